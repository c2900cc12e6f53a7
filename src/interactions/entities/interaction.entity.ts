import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { User } from '../../auth/entities/user.entity';
import { Site } from '../../sites/entities/site.entity';

@Entity({ name: 'interactions' })
@Check('interactions_end_after_start_check', `"end_datetime" >= "start_datetime"`)
// Indexes TypeORM cannot describe (DESC keys, GIN trigram) live in migrations; named here so the
// schema diff leaves them alone.
@Index('interactions_site_start_idx', { synchronize: false })
@Index('interactions_site_end_idx', { synchronize: false })
@Index('interactions_site_period_idx', { synchronize: false })
@Index('interactions_site_type_start_idx', { synchronize: false })
@Index('interactions_site_title_trgm_idx', { synchronize: false })
@Index('interactions_site_type_trgm_idx', { synchronize: false })
@Index('interactions_site_lead_trgm_idx', { synchronize: false })
@Index('interactions_site_location_trgm_idx', { synchronize: false })
@Index('interactions_site_description_trgm_idx', { synchronize: false })
@Index('interactions_site_notes_trgm_idx', { synchronize: false })
export class Interaction {
  /** bigint in SQL; the pg driver returns it as a string, the DTO mapping makes it a number. */
  @PrimaryGeneratedColumn('identity', { name: 'id', type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ name: 'site_id', type: 'integer' })
  siteId: number;

  @ManyToOne(() => Site, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'site_id', foreignKeyConstraintName: 'interactions_site_id_fkey' })
  site?: Site;

  @Column({ name: 'title', type: 'varchar', length: 100 })
  title: string;

  @Column({ name: 'type', type: 'varchar', length: 50 })
  type: string;

  @Column({ name: 'lead', type: 'varchar', length: 100 })
  lead: string;

  @Column({ name: 'start_datetime', type: 'timestamptz' })
  startDatetime: Date;

  @Column({ name: 'end_datetime', type: 'timestamptz' })
  endDatetime: Date;

  @Column({ name: 'timezone', type: 'varchar', length: 64 })
  timezone: string;

  @Column({ name: 'location', type: 'varchar', length: 200, default: '' })
  location: string;

  @Column({ name: 'description', type: 'varchar', length: 5000, default: '' })
  description: string;

  @Column({ name: 'notes', type: 'varchar', length: 5000, default: '' })
  notes: string;

  @Column({ name: 'created_by', type: 'integer' })
  createdBy: number;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'created_by', foreignKeyConstraintName: 'interactions_created_by_fkey' })
  creator?: User;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** Bumped by every change; the ETag is derived from it. */
  @Column({ name: 'version', type: 'integer', default: 1 })
  version: number;
}
