import { BadRequestException, NotFoundException } from '@nestjs/common';
import {
  QueryFailedError,
  QueryRunnerAlreadyReleasedError,
  QueryRunnerProviderAlreadyReleasedError,
} from 'typeorm';
import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error';
import { ErrorCode } from './error-code';
import { toErrorResponse } from './error-response';

describe('toErrorResponse', () => {
  it('sends an ApiError with the status of its code, its details and headers', () => {
    const response = toErrorResponse(
      new ApiError(
        ErrorCode.SITE_CONTEXT_REQUIRED,
        'Select a site',
        { site_id: 'required' },
        { 'X-A': '1' },
      ),
    );
    expect(response).toEqual({
      status: 403,
      body: {
        error: {
          code: 'SITE_CONTEXT_REQUIRED',
          message: 'Select a site',
          details: { site_id: 'required' },
        },
      },
      headers: { 'X-A': '1' },
      unexpected: false,
    });
  });

  it("maps Nest's HTTP exceptions by status", () => {
    expect(toErrorResponse(new NotFoundException('Cannot GET /x')).body).toEqual({
      error: { code: 'NOT_FOUND', message: 'Cannot GET /x' },
    });
    expect(toErrorResponse(new BadRequestException()).status).toBe(400);
  });

  it('hides the message of an unknown error behind 500 SERVER_ERROR', () => {
    const response = toErrorResponse(new Error('password=hunter2 at db.query'));
    expect(response).toMatchObject({
      status: 500,
      body: { error: { code: 'SERVER_ERROR', message: 'Internal server error' } },
      unexpected: true,
    });
  });

  it('answers 503 with Retry-After when the database refuses connections', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    expect(toErrorResponse(refused)).toMatchObject({
      status: 503,
      body: { error: { code: 'SERVICE_UNAVAILABLE' } },
      headers: { 'Retry-After': '5' },
    });
  });

  it('answers 503 for a query cut by a database shutdown (SQLSTATE 57P01), by code not message', () => {
    const driverError = Object.assign(new Error('terminating connection'), { code: '57P01' });
    const error = new QueryFailedError('SELECT 1', [], driverError);
    expect(toErrorResponse(error).status).toBe(503);
  });

  it('answers 400 for a value PostgreSQL refuses (SQLSTATE class 22), without the database wording', () => {
    const driverError = Object.assign(
      new Error('invalid byte sequence for encoding "UTF8": 0x00'),
      { code: '22021' },
    );
    const response = toErrorResponse(new QueryFailedError('SELECT $1', ['\u0000'], driverError));
    expect(response).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
    expect(JSON.stringify(response.body)).not.toContain('UTF8');
  });

  it('answers 503 when the pg client loses its connection mid-query (no SQLSTATE to go by)', () => {
    expect(toErrorResponse(new Error('Connection terminated unexpectedly')).status).toBe(503);
    const wrapped = new QueryFailedError(
      'INSERT …',
      [],
      new Error('Connection terminated unexpectedly'),
    );
    expect(toErrorResponse(wrapped).status).toBe(503);
    expect(toErrorResponse(new Error('Connection refused by a feature flag')).status).toBe(500);
    expect(toErrorResponse(new QueryRunnerAlreadyReleasedError()).status).toBe(503);
  });

  it('answers 503 for every query-runner release error, whichever TypeORM class raised it', () => {
    expect(toErrorResponse(new QueryRunnerProviderAlreadyReleasedError()).status).toBe(503);
    expect(toErrorResponse(new QueryRunnerAlreadyReleasedError()).status).toBe(503);
  });

  it.each([
    ['08006', 'connection_failure'],
    ['08P01', 'protocol_violation'],
    ['57P02', 'crash_shutdown'],
    ['57P03', 'cannot_connect_now'],
    ['57P04', 'database_dropped'],
    ['55P03', 'lock_not_available: DB_LOCK_TIMEOUT'],
  ])('answers 503 for SQLSTATE %s (%s), raw or wrapped', (code) => {
    const driverError = Object.assign(new Error('server says no'), { code });
    expect(toErrorResponse(driverError).status).toBe(503);
    expect(toErrorResponse(new QueryFailedError('SELECT 1', [], driverError)).status).toBe(503);
  });

  it('answers 503 for a socket error found in the cause chain', () => {
    const socket = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    const wrapped = new Error('Connection terminated due to connection timeout', { cause: socket });
    expect(toErrorResponse(new Error('outer', { cause: wrapped })).status).toBe(503);
  });

  it('keeps other SQLSTATEs and errors without a cause a 500', () => {
    const driverError = Object.assign(new Error('relation does not exist'), { code: '42P01' });
    expect(toErrorResponse(new QueryFailedError('SELECT …', [], driverError)).status).toBe(500);
    expect(toErrorResponse(new Error('outer', { cause: 'ECONNRESET' })).status).toBe(500);
  });

  it('keeps a 4xx Fastify error as a client error with a fixed message', () => {
    const error = Object.assign(new Error('internal fastify wording'), {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
    expect(toErrorResponse(error)).toMatchObject({
      status: 413,
      body: { error: { code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' } },
    });
  });
});
