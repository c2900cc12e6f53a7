import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { INT64_ID } from '../../../common/openapi/schema-types';

/** Rows in one import at most (DESIGN.md §10). */
export const IMPORT_MAX_ROWS = 10_000;

const ROW_INDEX = {
  type: 'integer',
  format: 'int32',
  minimum: 0,
  maximum: IMPORT_MAX_ROWS - 1,
  example: 0,
  description: 'Position of the row in the body, from 0 (a CSV header line is not a row)',
} as const;

export class ImportedRowDto {
  @ApiProperty(ROW_INDEX) row: number;
  @ApiProperty({ enum: ['imported'], example: 'imported' }) status: 'imported';
  @ApiProperty({ ...INT64_ID, example: 123, description: 'Id of the created interaction' })
  id: number;
}

export class FailedRowDto {
  @ApiProperty({ ...ROW_INDEX, example: 1 }) row: number;
  @ApiProperty({ enum: ['failed'], example: 'failed' }) status: 'failed';
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 1000 },
    maxProperties: 20,
    example: { title: 'title must be 5 to 100 characters long' },
    description:
      'What is wrong with the row, by field as in a create body (`title`); the key `row` for a line or record that could not be parsed',
  })
  errors: Record<string, string>;
}

export type ImportRowResult = ImportedRowDto | FailedRowDto;

@ApiExtraModels(ImportedRowDto, FailedRowDto)
export class ImportReportDto {
  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: IMPORT_MAX_ROWS,
    example: 1,
    description: 'Rows written',
  })
  imported: number;

  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: IMPORT_MAX_ROWS,
    example: 1,
    description: 'Rows refused (always 0 in all_or_nothing mode, which fails instead)',
  })
  failed: number;

  @ApiProperty({
    type: 'array',
    maxItems: IMPORT_MAX_ROWS,
    items: {
      oneOf: [{ $ref: getSchemaPath(ImportedRowDto) }, { $ref: getSchemaPath(FailedRowDto) }],
      discriminator: {
        propertyName: 'status',
        mapping: {
          imported: getSchemaPath(ImportedRowDto),
          failed: getSchemaPath(FailedRowDto),
        },
      },
    },
    description: 'The outcome of every row, in body order',
  })
  rows: ImportRowResult[];
}
