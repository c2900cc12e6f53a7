import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { MAX_SEARCH_TERM_LENGTH, MIN_SEARCH_TERM_LENGTH } from '../read/text-search';

/** Validation and schema of a free-text term parameter (`search`, `query`). */
export function SearchTermField(name: string, options: { required: boolean }): PropertyDecorator {
  const lengths = `${name} must be ${MIN_SEARCH_TERM_LENGTH} to ${MAX_SEARCH_TERM_LENGTH} characters long`;
  const schema = {
    minLength: MIN_SEARCH_TERM_LENGTH,
    maxLength: MAX_SEARCH_TERM_LENGTH,
    example: 'kickoff',
    description: `Case-insensitive substring of title, type, lead, location, description or notes; % and _ are literal. At least ${MIN_SEARCH_TERM_LENGTH} characters: a shorter term cannot use the search index (400).`,
  };
  return applyDecorators(
    ...(options.required ? [ApiProperty(schema)] : [ApiPropertyOptional(schema), IsOptional()]),
    IsString({ message: `${name} must be a single string` }),
    Length(MIN_SEARCH_TERM_LENGTH, MAX_SEARCH_TERM_LENGTH, { message: lengths }),
  );
}
