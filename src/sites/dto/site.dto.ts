import { ApiProperty } from '@nestjs/swagger';
import { INT32_ID } from '../../common/openapi/schema-types';
import { SITE_ROLES, type SiteRole } from '../entities/site-membership.entity';
import type { Site } from '../entities/site.entity';

export class SiteDto {
  @ApiProperty({ ...INT32_ID, example: 1 })
  id: number;

  @ApiProperty({ example: 'Headquarters', maxLength: 100 })
  name: string;

  @ApiProperty({ example: 'Main corporate headquarters', maxLength: 500 })
  description: string;
}

export class SiteWithRoleDto extends SiteDto {
  @ApiProperty({
    enum: SITE_ROLES,
    enumName: 'SiteRole',
    example: 'member',
    description: "The caller's role on this site",
  })
  role: SiteRole;
}

export class SitesResponseDto {
  @ApiProperty({ type: [SiteDto] })
  sites: SiteDto[];
}

export class SitesWithRoleResponseDto {
  @ApiProperty({ type: [SiteWithRoleDto] })
  sites: SiteWithRoleDto[];
}

export class SiteResponseDto {
  @ApiProperty({ type: SiteDto })
  site: SiteDto;
}

export function toSiteDto(site: Pick<Site, 'id' | 'name' | 'description'>): SiteDto {
  return { id: site.id, name: site.name, description: site.description };
}
