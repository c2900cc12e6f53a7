import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { ReplicaSet } from '../database/replicas/replica-set';
import type { RateTierName } from '../rate-limit/rate-limiter';

/** The node-postgres pool behind TypeORM's postgres driver (not part of TypeORM's types). */
interface PgPoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options: { max: number };
}

/**
 * The Prometheus metrics of one app instance, in a registry of its own (not prom-client's global
 * one), so several apps in one process (the e2e tests) never share or double-register series.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly durations = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request received to response sent, by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly rateLimitRejections = new Counter({
    name: 'rate_limit_rejections_total',
    help: 'Requests refused with 429, by rate-limit tier',
    labelNames: ['tier'] as const,
    registers: [this.registry],
  });

  private readonly pageTotals = new Counter({
    name: 'page_totals_total',
    help: 'Totals of pages that count their matches (searches, filters, date ranges): counted, or reused while the site was unchanged',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly pageTotalOutcomes = {
    counted: this.pageTotals.labels('counted'),
    reused: this.pageTotals.labels('reused'),
  };

  constructor(dataSource: DataSource, replicas: ReplicaSet) {
    collectDefaultMetrics({ register: this.registry });
    new Counter({
      name: 'db_site_reads_total',
      help: 'Site reads and searches, by the server that answered (a replica of DATABASE_REPLICA_URLS, or the primary)',
      labelNames: ['server'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        this.labels('replica').inc(replicas.served.replica);
        this.labels('primary').inc(replicas.served.primary);
      },
    });
    const pool = () => (dataSource.driver as unknown as { master?: PgPoolStats }).master;
    const poolGauge = (name: string, help: string, read: (stats: PgPoolStats) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const stats = pool();
          if (stats) {
            this.set(read(stats));
          }
        },
      });
    poolGauge('db_pool_connections', 'Open connections to PostgreSQL', (s) => s.totalCount);
    poolGauge('db_pool_idle_connections', 'Open connections not in use', (s) => s.idleCount);
    poolGauge(
      'db_pool_waiting_requests',
      'Queries waiting for a free connection (the pool is exhausted while this is above 0)',
      (s) => s.waitingCount,
    );
    poolGauge(
      'db_pool_max_connections',
      'Configured pool size (DB_POOL_SIZE)',
      (s) => s.options.max,
    );
  }

  /** The series of each (method, route, status) seen so far: a bounded set (route templates). */
  private readonly responseSeries = new Map<
    string,
    { requests: { inc(): void }; durations: { observe(value: number): void } }
  >();

  /**
   * Labels by route template (`/api/v1/interactions/:id`), never by raw URL: ids would make one
   * series per record. Requests that match no route share one label. The labelled series are
   * kept: prom-client checks and hashes a label set on every call otherwise, 2 % of a read's CPU.
   */
  recordResponse(request: FastifyRequest, reply: FastifyReply): void {
    const method = request.method;
    const route = request.routeOptions.url ?? 'unmatched';
    const status = String(reply.statusCode);
    const key = `${method} ${route} ${status}`;
    let series = this.responseSeries.get(key);
    if (!series) {
      series = {
        requests: this.requests.labels(method, route, status),
        durations: this.durations.labels(method, route, status),
      };
      this.responseSeries.set(key, series);
    }
    series.requests.inc();
    series.durations.observe(reply.elapsedTime / 1000);
  }

  recordPageTotal(outcome: 'counted' | 'reused'): void {
    this.pageTotalOutcomes[outcome].inc();
  }

  recordRateLimitRejection(tier: RateTierName): void {
    this.rateLimitRejections.inc({ tier });
  }

  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
