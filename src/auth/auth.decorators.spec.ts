import 'reflect-metadata';
import { Controller, Get } from '@nestjs/common';
import { DECORATORS } from '@nestjs/swagger';
import { ACCESS_RULE, Authenticated, MetricsScrape, Public, RequireCapability } from './auth.decorators.js';
import { Capability } from './policy.js';

/** A handler of a controller class, by name. */
const handler = (controller: { prototype: object }, name: string): object =>
  Object.getOwnPropertyDescriptor(controller.prototype, name)!.value as object;
const securityOf = (controller: { prototype: object }, name: string): unknown => Reflect.getMetadata(DECORATORS.API_SECURITY, handler(controller, name));

describe('access-rule decorators document the OpenAPI security', () => {
  it('gives each handler the security of its rule; a controller rule covers the handlers without their own', () => {
    @RequireCapability(Capability.UsersManage)
    @Controller('things')
    class ThingsController {
      @Get()
      list(): void {}

      @Get('public')
      @Public()
      open(): void {}

      @Get('mine')
      @Authenticated()
      mine(): void {}

      @Get('metrics')
      @MetricsScrape()
      scrape(): void {}

      helper(): void {}
    }
    expect(securityOf(ThingsController, 'list')).toEqual([{ tokenAuth: [] }]);
    expect(securityOf(ThingsController, 'open')).toBeUndefined(); // marked `security: []` in the document
    expect(securityOf(ThingsController, 'mine')).toEqual([{ tokenAuth: [] }]);
    expect(securityOf(ThingsController, 'scrape')).toEqual([{}, { metricsAuth: [] }]);
    expect(securityOf(ThingsController, 'helper')).toBeUndefined();
    expect(Reflect.getMetadata(ACCESS_RULE, handler(ThingsController, 'open'))).toEqual({ kind: 'public' });
    expect(Reflect.getMetadata(ACCESS_RULE, ThingsController)).toEqual({ kind: 'capability', capability: Capability.UsersManage });
  });

  it('leaves handlers of a public controller without a requirement', () => {
    @Public()
    @Controller('probes')
    class ProbesController {
      @Get('live')
      live(): void {}
    }
    expect(securityOf(ProbesController, 'live')).toBeUndefined();
  });
});
