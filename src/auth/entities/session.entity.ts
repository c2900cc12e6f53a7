import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { Site } from '../../sites/entities/site.entity';
import { User } from './user.entity';

/** A login. Access tokens name it in `sid`; revoking it kills them and its refresh tokens. */
@Entity({ name: 'sessions' })
@Index('sessions_user_id_idx', ['userId'])
export class Session {
  @PrimaryGeneratedColumn('uuid', { name: 'id' })
  id: string;

  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'sessions_user_id_fkey' })
  user?: User;

  @Column({ name: 'current_site_id', type: 'integer', nullable: true })
  currentSiteId: number | null;

  @ManyToOne(() => Site, { onDelete: 'SET NULL' })
  @JoinColumn({
    name: 'current_site_id',
    foreignKeyConstraintName: 'sessions_current_site_id_fkey',
  })
  currentSite?: Site;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Moves forward with every refresh; past it the session is over. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
