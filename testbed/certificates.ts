/**
 * X.509 certificates made at test time with Debian's `openssl` (3.x): a throw-away CA, a server
 * certificate for 127.0.0.1, client certificates the CA signed (`tls_client_auth`) and
 * self-signed ones (`self_signed_tls_client_auth`). EC P-256 keys, valid for two days, written to
 * a temporary folder that {@link TestCertificates.remove} deletes. TEST-ONLY.
 */
import { execFile } from 'node:child_process'
import { hash, X509Certificate } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A certificate and its private key, both PEM. */
export interface CertificatePair {
  readonly cert: string
  readonly key: string
  /** The DER bytes of the certificate. */
  readonly der: Buffer
  /** base64url(SHA-256(DER)): the `x5t#S256` of a token bound to this certificate. */
  readonly thumbprint: string
  /** The subject DN as oidc-provider compares it (`CN=...`). */
  readonly subject: string
}

export interface TestCertificates {
  /** The CA certificate (PEM) that signed the server and the CA-issued client certificates. */
  readonly ca: string
  /** The server certificate for `127.0.0.1` (subjectAltName IP). */
  readonly server: CertificatePair
  /** Make another client certificate, signed by the CA or self-signed. */
  client(commonName: string, options?: { readonly selfSigned?: boolean }): Promise<CertificatePair>
  /** Deletes the folder holding the keys. */
  remove(): Promise<void>
}

/** An openssl configuration with no default extensions, so only what is asked for is added. */
const MINIMAL_CONFIG = '[req]\ndistinguished_name=dn\nprompt=no\n[dn]\n'

/** Creates the CA and the server certificate. Throws with a hint when openssl is missing. */
export async function createTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'identity-model-certs-'))
  const config = join(dir, 'openssl.cnf')
  await writeFile(config, MINIMAL_CONFIG)
  const openssl = async (...args: string[]): Promise<void> => {
    try {
      await run('openssl', args, { cwd: dir, timeout: 10_000 })
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') {
        throw new Error('openssl is not installed: run "apt-get install -y openssl"', {
          cause: error,
        })
      }
      throw error
    }
  }
  const newKey = (file: string) =>
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file)

  let counter = 0
  const make = async (
    name: string,
    subject: string,
    extensions: readonly string[],
    signer: 'self' | 'ca',
  ): Promise<CertificatePair> => {
    const file = `${name}-${counter++}`
    await newKey(`${file}.key`)
    const signWith = signer === 'ca' ? ['-CA', 'ca.pem', '-CAkey', 'ca.key'] : []
    await openssl(
      'req',
      '-config',
      config,
      '-x509',
      '-new',
      '-key',
      `${file}.key`,
      ...signWith,
      '-subj',
      `/CN=${subject}`,
      '-days',
      '2',
      ...extensions.flatMap((extension) => ['-addext', extension]),
      '-out',
      `${file}.pem`,
    )
    const cert = await readFile(join(dir, `${file}.pem`), 'utf8')
    const key = await readFile(join(dir, `${file}.key`), 'utf8')
    const x509 = new X509Certificate(cert)
    return {
      cert,
      key,
      der: x509.raw,
      thumbprint: hash('sha256', x509.raw, 'base64url'),
      subject: `CN=${subject}`,
    }
  }

  try {
    await newKey('ca.key')
    await openssl(
      'req',
      '-config',
      config,
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-subj',
      '/CN=identity-model test CA',
      '-days',
      '2',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
      '-out',
      'ca.pem',
    )
    const ca = await readFile(join(dir, 'ca.pem'), 'utf8')
    const server = await make(
      'server',
      '127.0.0.1',
      [
        'subjectAltName=IP:127.0.0.1',
        'basicConstraints=critical,CA:FALSE',
        'extendedKeyUsage=serverAuth',
      ],
      'ca',
    )
    return {
      ca,
      server,
      client: (commonName, options = {}) =>
        make(
          'client',
          commonName,
          ['basicConstraints=critical,CA:FALSE', 'extendedKeyUsage=clientAuth'],
          options.selfSigned ? 'self' : 'ca',
        ),
      remove: () => rm(dir, { recursive: true, force: true }),
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
}
