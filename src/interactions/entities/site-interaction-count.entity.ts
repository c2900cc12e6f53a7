import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { Site } from '../../sites/entities/site.entity';

/**
 * How many interactions each site holds, kept exact by statement-level triggers on interactions
 * (migration add-site-interaction-counts), so an unfiltered list's `total` costs one row read
 * instead of counting the whole site; and when they last changed (migration site-last-change).
 */
@Entity({ name: 'site_interaction_counts' })
export class SiteInteractionCount {
  @PrimaryColumn({
    name: 'site_id',
    type: 'integer',
    primaryKeyConstraintName: 'site_interaction_counts_pkey',
  })
  siteId: number;

  @OneToOne(() => Site, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'site_id', foreignKeyConstraintName: 'site_interaction_counts_site_id_fkey' })
  site?: Site;

  @Column({ name: 'interactions', type: 'bigint', default: 0 })
  interactions: string;

  /**
   * The id of the last transaction that changed the site's interactions: while it stays the same,
   * so do they (PageTotals).
   */
  @Column({ name: 'last_change', type: 'bigint' })
  lastChange: string;

  /** The site's last change-feed position handed out (migration history-and-trash). */
  @Column({ name: 'feed_seq', type: 'bigint', default: 0 })
  feedSeq: string;
}
