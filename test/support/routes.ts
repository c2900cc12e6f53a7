import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, VERSION_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { ACCESS_POLICY, type AccessPolicy } from '../../src/auth/access/access.decorators';
import type { TestApp } from './test-app';

export interface RouteEntry {
  route: string;
  method: string;
  url: string;
  policy?: AccessPolicy;
}

/** Every controller route of the app, with the access policy the global guard will read. */
export function listRoutes(testApp: TestApp): RouteEntry[] {
  const discovery = new DiscoveryService(testApp.app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  const reflector = testApp.app.get(Reflector);
  const routes: RouteEntry[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as (new (...args: never[]) => object) | undefined;
    if (!controller || !wrapper.instance) {
      continue;
    }
    const prototype = Object.getPrototypeOf(wrapper.instance) as Record<string, unknown>;
    const controllerPath = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const neutral = typeof Reflect.getMetadata(VERSION_METADATA, controller) === 'symbol';
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name] as (...args: unknown[]) => unknown;
      const handlerPath = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (handlerPath === undefined) {
        continue;
      }
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      const path = [controllerPath, handlerPath].filter((part) => part && part !== '/').join('/');
      const url = (neutral ? `/${path}` : `/api/v1/${path}`).replace(/:(\w+)/g, '1');
      routes.push({
        route: `${controller.name}.${name}`,
        method,
        url,
        policy: reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, [
          handler,
          controller,
        ]),
      });
    }
  }
  return routes;
}
