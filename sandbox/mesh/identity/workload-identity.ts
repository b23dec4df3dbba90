// A workload's live identity: its key and certificate as a node:tls SecureContext, renewed before expiry.
// Rotation swaps the context that new connections use; established connections keep theirs, so no
// request is dropped (the same property Linkerd's proxy has when its identity refreshes).
import { createSecureContext, type SecureContext } from 'node:tls';
import type { IssuedCertificate } from './ca.js';
import { generateWorkloadKey } from './workload-key.js';

export interface IdentityIssuer {
  readonly rootPem: string;
  issue(spiffeId: string, publicKey: CryptoKey, ttlMs: number): Promise<IssuedCertificate>;
}

export interface WorkloadIdentityOptions {
  /** Certificate lifetime (Linkerd's default is 24h; tests use seconds). */
  ttlMs: number;
  /** Renew when this fraction of the lifetime has passed. */
  renewAt?: number;
  onRenewFailure?: (err: Error) => void;
}

export class WorkloadIdentity {
  private context!: SecureContext;
  private current!: IssuedCertificate;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** How many certificates this workload has had (1 after start). */
  generation = 0;

  private constructor(
    readonly spiffeId: string,
    private readonly issuer: IdentityIssuer,
    private readonly opts: WorkloadIdentityOptions,
  ) {}

  static async start(spiffeId: string, issuer: IdentityIssuer, opts: WorkloadIdentityOptions): Promise<WorkloadIdentity> {
    const identity = new WorkloadIdentity(spiffeId, issuer, opts);
    await identity.renew();
    return identity;
  }

  /** The context for both sides of mTLS: own key + certificate, and the root to verify peers against. */
  get secureContext(): SecureContext {
    return this.context;
  }

  get certificate(): IssuedCertificate {
    return this.current;
  }

  async renew(): Promise<void> {
    const key = await generateWorkloadKey();
    const cert = await this.issuer.issue(this.spiffeId, key.publicKey, this.opts.ttlMs);
    if (this.stopped) return;
    this.context = createSecureContext({
      key: key.privateKeyPem,
      cert: cert.certificatePem,
      ca: this.issuer.rootPem,
      minVersion: 'TLSv1.3',
      // Needed for session resumption when client certificates are verified (tls.Server sets one itself).
      sessionIdContext: 'mesh-playground-proxy',
    });
    this.current = cert;
    this.generation++;
    this.schedule(this.opts.ttlMs * (this.opts.renewAt ?? 0.5));
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.renew().catch((err: Error) => {
        this.opts.onRenewFailure?.(err);
        if (!this.stopped) this.schedule(Math.min(1000, this.opts.ttlMs / 10)); // try again well before expiry
      });
    }, Math.max(1, delayMs));
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
