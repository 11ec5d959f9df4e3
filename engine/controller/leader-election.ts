/**
 * Leader election over a `coordination.k8s.io/v1` Lease, the client-go way: every retry
 * period the candidate reads the Lease; the holder renews it, another instance takes it
 * over only once it has seen the same record unchanged for a whole lease duration (local
 * observation time, so clocks need not agree). Every write is a replace carrying the read
 * resourceVersion: of two racing candidates exactly one wins. A leader that cannot renew
 * within `renewDeadlineMs` (< lease duration) stops leading before anyone else may start.
 * `release()` hands the Lease back at shutdown so a successor need not wait it out.
 */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment, @typescript-eslint/no-misused-spread --
   @kubernetes/client-node models are plain data classes; literals and spreads are what its docs use. */
import {
  ApiException,
  CoordinationV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
} from '@kubernetes/client-node';
import type { Logger } from './logger.ts';

export interface LeaderElectionConfig {
  readonly namespace: string;
  readonly leaseName: string;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

export interface LeaderCallbacks {
  onStartedLeading(): void;
  onStoppedLeading(): void;
}

export class LeaderElector {
  readonly #api: CoordinationV1Api;
  readonly #config: LeaderElectionConfig;
  readonly #log: Logger;
  #leading = false;
  #lastRenewAt = 0;
  #observed: { record: string; at: number } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #callbacks: LeaderCallbacks | undefined;
  #tick: Promise<void> = Promise.resolve();

  constructor(kc: KubeConfig, config: LeaderElectionConfig, log: Logger) {
    if (config.renewDeadlineMs >= config.leaseDurationMs)
      throw new Error('leader election: renew deadline must be shorter than the lease duration');
    this.#api = kc.makeApiClient(CoordinationV1Api);
    this.#config = config;
    this.#log = log;
  }

  isLeader(): boolean {
    return this.#leading;
  }

  /** Campaign (and keep renewing) until `release()`. */
  start(callbacks: LeaderCallbacks): void {
    this.#callbacks = callbacks;
    this.#schedule(0);
  }

  /** Stop campaigning; if leading, stop leading and hand the Lease back. */
  async release(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#tick;
    if (!this.#leading) return;
    this.#setLeading(false);
    try {
      const lease = await this.#read();
      if (lease?.spec?.holderIdentity !== this.#config.identity) return;
      await this.#replace({
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: '',
          leaseDurationSeconds: 1,
          renewTime: new V1MicroTime(),
        },
      });
      this.#log.info('released leadership', { lease: this.#leaseName });
    } catch (error) {
      this.#log.warn('cannot release the lease; it expires on its own', {
        lease: this.#leaseName,
        error: (error as Error).message,
      });
    }
  }

  get #leaseName(): string {
    return `${this.#config.namespace}/${this.#config.leaseName}`;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#tick = this.#attempt().finally(() => {
        this.#schedule(this.#config.retryPeriodMs);
      });
    }, ms);
  }

  #setLeading(leading: boolean): void {
    if (this.#leading === leading) return;
    this.#leading = leading;
    this.#log.info(leading ? 'became leader' : 'stopped leading', {
      lease: this.#leaseName,
      identity: this.#config.identity,
    });
    try {
      if (leading) this.#callbacks?.onStartedLeading();
      else this.#callbacks?.onStoppedLeading();
    } catch (error) {
      this.#log.error('leadership callback failed', { error });
    }
  }

  async #attempt(): Promise<void> {
    const now = Date.now();
    try {
      const acquired = await this.#tryAcquireOrRenew(now);
      if (acquired) {
        this.#lastRenewAt = now;
        this.#setLeading(true);
      } else if (this.#leading) {
        // Someone else holds it (we were too slow): stop at once.
        this.#setLeading(false);
      }
    } catch (error) {
      this.#log.warn('lease request failed', { lease: this.#leaseName, error: (error as Error).message });
    }
    if (this.#leading && Date.now() - this.#lastRenewAt > this.#config.renewDeadlineMs) {
      this.#log.warn('could not renew the lease within the renew deadline', { lease: this.#leaseName });
      this.#setLeading(false);
    }
  }

  /** True when this instance holds the Lease after the call. */
  async #tryAcquireOrRenew(now: number): Promise<boolean> {
    const { identity, leaseDurationMs } = this.#config;
    const lease = await this.#read();
    const time = new V1MicroTime(now);
    if (!lease) {
      try {
        await this.#api.createNamespacedLease({
          namespace: this.#config.namespace,
          body: {
            metadata: { name: this.#config.leaseName, namespace: this.#config.namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
              acquireTime: time,
              renewTime: time,
              leaseTransitions: 0,
            },
          },
        });
        return true;
      } catch (error) {
        if (error instanceof ApiException && error.code === 409) return false;
        throw error;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const record = `${holder}|${String(spec.renewTime ?? '')}|${spec.leaseDurationSeconds ?? ''}`;
    if (this.#observed?.record !== record) this.#observed = { record, at: now };
    const durationMs = (spec.leaseDurationSeconds ?? 0) * 1000;
    const expired = holder === '' || now > this.#observed.at + durationMs;
    if (holder !== identity && !expired) return false;
    const takingOver = holder !== identity;
    try {
      await this.#replace({
        ...lease,
        spec: {
          ...spec,
          holderIdentity: identity,
          leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
          renewTime: time,
          ...(takingOver && {
            acquireTime: time,
            leaseTransitions: (spec.leaseTransitions ?? 0) + (holder === '' ? 0 : 1),
          }),
        },
      });
      return true;
    } catch (error) {
      if (error instanceof ApiException && error.code === 409) return false;
      throw error;
    }
  }

  async #read(): Promise<V1Lease | undefined> {
    try {
      return await this.#api.readNamespacedLease({
        namespace: this.#config.namespace,
        name: this.#config.leaseName,
      });
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
  }

  async #replace(lease: V1Lease): Promise<void> {
    // Times read back are strings or plain Dates: resend them with microseconds, as the API expects.
    const spec = { ...lease.spec };
    if (spec.acquireTime) spec.acquireTime = micro(spec.acquireTime);
    if (spec.renewTime) spec.renewTime = micro(spec.renewTime);
    await this.#api.replaceNamespacedLease({
      namespace: this.#config.namespace,
      name: this.#config.leaseName,
      body: { ...lease, spec },
    });
  }
}

function micro(value: Date | string): V1MicroTime {
  return new V1MicroTime(typeof value === 'string' ? Date.parse(value) : value.getTime());
}
