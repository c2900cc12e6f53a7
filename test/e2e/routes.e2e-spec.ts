import { RequestMethod } from '@nestjs/common';
import { PATH_METADATA, METHOD_METADATA, VERSION_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_POLICY, type AccessPolicy } from '../../src/common/auth/access.decorators';
import { createTestApp, type TestApp } from '../support/test-app';

interface RouteEntry {
  route: string;
  method: string;
  url: string;
  policy?: AccessPolicy;
}

/** Every controller route of the app, with the access policy the global guard will read. */
function listRoutes(testApp: TestApp): RouteEntry[] {
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

describe('every route declares and enforces its access policy', () => {
  let testApp: TestApp;
  let routes: RouteEntry[];

  beforeAll(async () => {
    testApp = await createTestApp();
    routes = listRoutes(testApp);
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('finds the routes of every controller', () => {
    expect(routes.map((entry) => `${entry.method} ${entry.url}`)).toEqual(
      expect.arrayContaining([
        'POST /api/v1/auth/login',
        'GET /api/v1/sites/1',
        'GET /health/ready',
      ]),
    );
    expect(routes.length).toBeGreaterThanOrEqual(14);
  });

  it('marks every route @Public() or @Authenticated()', () => {
    const undeclared = routes.filter((entry) => !entry.policy).map((entry) => entry.route);
    expect(undeclared).toEqual([]);
  });

  it('answers 401 without a token on every authenticated route', async () => {
    const unprotected: string[] = [];
    for (const entry of routes.filter((candidate) => candidate.policy?.kind === 'authenticated')) {
      const response = await testApp.request({ method: entry.method, url: entry.url, payload: {} });
      if (response.statusCode !== 401) {
        unprotected.push(`${entry.method} ${entry.url} -> ${response.statusCode}`);
      }
    }
    expect(unprotected).toEqual([]);
  });

  it('keeps the public routes to the known list', () => {
    const publicRoutes = routes
      .filter((entry) => entry.policy?.kind === 'public')
      .map((entry) => entry.route);
    expect(publicRoutes.sort()).toEqual(
      [
        'AuthController.confirmPasswordReset',
        'AuthController.login',
        'AuthController.refresh',
        'AuthController.requestPasswordReset',
        'HealthController.live',
        'HealthController.ready',
        'JwksController.jwks',
      ].sort(),
    );
  });
});
