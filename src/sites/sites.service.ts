import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ApiError } from '../common/errors/api-error';
import { ErrorCode } from '../common/errors/error-code';
import { toSiteDto, type SiteDto, type SiteWithRoleDto } from './dto/site.dto';
import { SiteMembership } from './entities/site-membership.entity';
import { Site } from './entities/site.entity';

@Injectable()
export class SitesService {
  constructor(
    @InjectRepository(Site) private readonly sites: Repository<Site>,
    @InjectRepository(SiteMembership) private readonly memberships: Repository<SiteMembership>,
  ) {}

  async listAll(): Promise<SiteDto[]> {
    const sites = await this.sites.find({ order: { id: 'ASC' } });
    return sites.map(toSiteDto);
  }

  /** 404 when the site does not exist, 403 when the caller is not a member of it. */
  async getForMember(siteId: number, userId: number): Promise<SiteDto> {
    // One statement: the site and whether the caller is a member of it.
    const {
      entities: [site],
      raw: [row],
    } = await this.sites
      .createQueryBuilder('site')
      .addSelect(
        'EXISTS (SELECT 1 FROM site_memberships m WHERE m.site_id = site.id AND m.user_id = :userId)',
        'is_member',
      )
      .where('site.id = :siteId', { siteId, userId })
      .getRawAndEntities<{ is_member: boolean }>();
    if (!site) {
      throw new ApiError(ErrorCode.NOT_FOUND, `Site ${siteId} not found`);
    }
    if (!row.is_member) {
      throw new ApiError(ErrorCode.FORBIDDEN, 'You are not a member of this site');
    }
    return toSiteDto(site);
  }

  async listForUser(userId: number): Promise<SiteWithRoleDto[]> {
    const memberships = await this.memberships.find({
      where: { userId },
      relations: { site: true },
      order: { siteId: 'ASC' },
    });
    return memberships.map((membership) => ({
      ...toSiteDto(membership.site!),
      role: membership.role,
    }));
  }

  async siteIdsOf(userId: number): Promise<number[]> {
    const memberships = await this.memberships.find({
      select: { siteId: true },
      where: { userId },
      order: { siteId: 'ASC' },
    });
    return memberships.map((membership) => membership.siteId);
  }

  isMember(userId: number, siteId: number): Promise<boolean> {
    return this.memberships.existsBy({ userId, siteId });
  }
}
