import 'reflect-metadata';
import { Controller, Get } from '@nestjs/common';
import { DECORATORS } from '@nestjs/swagger';
import { AuthorizeController } from '../accounting/authorize.controller.js';
import { BalanceRepository } from '../accounting/balance.repository.js';
import { ACCESS_RULE, Authenticated, AuthenticatedWith, MetricsScrape, Public, RequireCapability } from './auth.decorators.js';
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

  it('documents a route authenticated through a credential loader with the token scheme, as any authenticated route', () => {
    class RowLoader {
      findCredentialByKeyHash(): Promise<undefined> {
        return Promise.resolve(undefined);
      }
    }
    @Controller('rows')
    class RowsController {
      @Get()
      @AuthenticatedWith(RowLoader)
      row(): void {}
    }
    expect(securityOf(RowsController, 'row')).toEqual([{ tokenAuth: [] }]);
    expect(Reflect.getMetadata(ACCESS_RULE, handler(RowsController, 'row'))).toEqual({ kind: 'authenticated', loader: RowLoader });
  });

  it('authenticates the balance poll in the guard, through the poll query, not as a public route', () => {
    expect(Reflect.getMetadata(ACCESS_RULE, handler(AuthorizeController, 'poll'))).toEqual({ kind: 'authenticated', loader: BalanceRepository });
    expect(securityOf(AuthorizeController, 'poll')).toEqual([{ tokenAuth: [] }]);
  });
});
