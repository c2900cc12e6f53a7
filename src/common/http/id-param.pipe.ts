import { Injectable, Optional, type PipeTransform } from '@nestjs/common';
import { ApiError } from '../errors/api-error';
import { ErrorCode } from '../errors/error-code';

const MAX_INTEGER = 2_147_483_647;

/**
 * A path id: a positive integer up to `max` (PostgreSQL's integer by default; pass a larger one
 * for bigint ids), else 400 naming the parameter. Use an instance for a non-default max.
 */
@Injectable()
export class IdParamPipe implements PipeTransform<string, number> {
  private readonly max: number;

  constructor(@Optional() max?: number) {
    this.max = max ?? MAX_INTEGER;
  }

  transform(value: string, metadata: { data?: string }): number {
    const name = metadata.data ?? 'id';
    const id = /^[1-9]\d{0,18}$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(id) || id > this.max) {
      throw new ApiError(ErrorCode.BAD_REQUEST, `${name} must be a positive integer`, {
        [name]: 'must be a positive integer',
      });
    }
    return id;
  }
}
