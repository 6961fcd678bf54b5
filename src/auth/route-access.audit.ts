import { Injectable, type OnModuleInit } from '@nestjs/common';
import { PATH_METADATA, METHOD_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ACCESS_RULE } from './auth.decorators.js';

/**
 * Refuses to boot when a route declares no access rule (@Public, @Authenticated, @RequireCapability
 * or @MetricsScrape, on the handler or its controller): a new route cannot be left open or closed by accident.
 */
@Injectable()
export class RouteAccessAudit implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const missing: string[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!controller || !wrapper.instance) continue;
      const prototype = Object.getPrototypeOf(wrapper.instance) as Record<string, unknown>;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name] as (...args: unknown[]) => unknown;
        if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        if (!this.reflector.getAllAndOverride(ACCESS_RULE, [handler, controller])) missing.push(`${controller.name}.${name}`);
      }
    }
    if (missing.length > 0) {
      throw new Error(`Routes without an access rule (@Public, @Authenticated, @RequireCapability, @MetricsScrape): ${missing.join(', ')}`);
    }
  }
}
