import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';
import { User } from '../../auth/entities/user.entity';
import { Site } from './site.entity';

export const SITE_ROLES = ['viewer', 'member', 'manager'] as const;
export type SiteRole = (typeof SITE_ROLES)[number];

@Entity({ name: 'site_memberships' })
@Check('site_memberships_role_check', `"role" IN ('viewer', 'member', 'manager')`)
@Index('site_memberships_site_id_idx', ['siteId'])
export class SiteMembership {
  @PrimaryColumn({
    name: 'user_id',
    type: 'integer',
    primaryKeyConstraintName: 'site_memberships_pkey',
  })
  userId: number;

  @PrimaryColumn({
    name: 'site_id',
    type: 'integer',
    primaryKeyConstraintName: 'site_memberships_pkey',
  })
  siteId: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'site_memberships_user_id_fkey' })
  user?: User;

  @ManyToOne(() => Site, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'site_id', foreignKeyConstraintName: 'site_memberships_site_id_fkey' })
  site?: Site;

  @Column({ name: 'role', type: 'varchar', length: 16 })
  role: SiteRole;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
