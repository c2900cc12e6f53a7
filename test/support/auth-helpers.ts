import { expect } from 'vitest';
import type { LoginResponseDto } from '../../src/auth/dto/login.dto';
import type { User } from '../../src/auth/entities/user.entity';
import { TEST_PASSWORD } from './factories';
import type { TestApp } from './test-app';

export async function login(
  testApp: TestApp,
  user: Pick<User, 'username'>,
  password = TEST_PASSWORD,
): Promise<LoginResponseDto> {
  const response = await testApp.request({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username: user.username, password },
  });
  expect(response.statusCode).toBe(200);
  return response.json<LoginResponseDto>();
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export function expectError(
  response: { statusCode: number; json<T>(): T },
  status: number,
  code: string,
): { code: string; message: string; details?: Record<string, string> } {
  const body = response.json<{
    error: { code: string; message: string; details?: Record<string, string> };
  }>();
  expect({ status: response.statusCode, code: body.error?.code }).toEqual({ status, code });
  expect(typeof body.error.message).toBe('string');
  return body.error;
}
