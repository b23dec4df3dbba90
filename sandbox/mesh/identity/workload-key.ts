// A workload's key pair, made where the workload runs (its sidecar, in the data-plane worker) so the private key
// never leaves it: the CA signs the public key. node:crypto only, so the data-plane worker does not load the CA's
// X.509 library (@peculiar/x509 with asn1js, tsyringe and reflect-metadata: ~0.6 MB of code) just to make a key.
import { KeyObject, webcrypto } from 'node:crypto';

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;

export interface WorkloadKeyPair {
  publicKey: CryptoKey;
  privateKeyPem: string;
}

/** A fresh ECDSA P-256 key pair; the private key as PKCS#8 PEM for node:tls. */
export async function generateWorkloadKey(): Promise<WorkloadKeyPair> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const privateKeyPem = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }) as string;
  return { publicKey: keys.publicKey, privateKeyPem };
}
