// The sandbox certificate authority: a self-signed ECDSA P-256 root that signs short-lived workload
// certificates carrying a SPIFFE URI SAN (the mesh's identity issuer, like Linkerd's identity controller).
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
/** Tolerate small clock differences between issuer and verifier. */
const BACKDATE_MS = 60_000;

export interface IssuedCertificate {
  certificatePem: string;
  notBefore: Date;
  notAfter: Date;
  serialNumber: string;
}

export class SandboxCA {
  private constructor(
    private readonly rootKey: CryptoKey,
    private readonly root: x509.X509Certificate,
    readonly rootPem: string,
  ) {}

  static async create(opts: { trustDomain?: string; validityDays?: number } = {}): Promise<SandboxCA> {
    const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Date.now();
    const root = await x509.X509CertificateGenerator.createSelfSigned({
      name: `CN=root.${opts.trustDomain ?? 'cluster.local'}, O=Mesh Playground sandbox`,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + (opts.validityDays ?? 365) * 86_400_000),
      keys,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(true, 1, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new SandboxCA(keys.privateKey, root, root.toString('pem'));
  }

  /** Sign a certificate for `spiffeId` over the workload's own public key (the key never leaves the workload). */
  async issue(spiffeId: string, publicKey: CryptoKey, ttlMs: number): Promise<IssuedCertificate> {
    if (!spiffeId.startsWith('spiffe://')) throw new Error(`identity must be a spiffe:// URI, got "${spiffeId}"`);
    const now = Date.now();
    const notBefore = new Date(now - BACKDATE_MS);
    const notAfter = new Date(now + ttlMs);
    const cert = await x509.X509CertificateGenerator.create({
      subject: `CN=${spiffeId.replace(/^spiffe:\/\//, '').replace(/[,=+<>#;"\\]/g, '_')}`,
      issuer: this.root.subject,
      notBefore,
      notAfter,
      publicKey,
      signingKey: this.rootKey,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }], true),
        await x509.AuthorityKeyIdentifierExtension.create(this.root, false),
      ],
    });
    return { certificatePem: cert.toString('pem'), notBefore, notAfter, serialNumber: cert.serialNumber };
  }
}
