/**
 * SHA-256, SHA-384, SHA-512 (FIPS 180-4) and HMAC (RFC 2104) in plain TypeScript, synchronous.
 *
 * Only the Web Crypto backend uses this: Web Crypto's `digest` is asynchronous, and some of our
 * functions are synchronous on every runtime (`createCodeChallenge`, the `at_hash` of an ID
 * token, cache keys, DPoP `ath`). Node's backend uses `node:crypto` instead. Nothing here is on
 * a signature path: signatures are always verified by the platform's crypto.
 */

export type Sha2 = 'SHA-256' | 'SHA-384' | 'SHA-512'

const K256 = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])

const IV256 = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]

/** SHA-512 round constants as [high, low] 32-bit halves, interleaved. */
const K512 = new Uint32Array([
  0x428a2f98, 0xd728ae22, 0x71374491, 0x23ef65cd, 0xb5c0fbcf, 0xec4d3b2f, 0xe9b5dba5, 0x8189dbbc,
  0x3956c25b, 0xf348b538, 0x59f111f1, 0xb605d019, 0x923f82a4, 0xaf194f9b, 0xab1c5ed5, 0xda6d8118,
  0xd807aa98, 0xa3030242, 0x12835b01, 0x45706fbe, 0x243185be, 0x4ee4b28c, 0x550c7dc3, 0xd5ffb4e2,
  0x72be5d74, 0xf27b896f, 0x80deb1fe, 0x3b1696b1, 0x9bdc06a7, 0x25c71235, 0xc19bf174, 0xcf692694,
  0xe49b69c1, 0x9ef14ad2, 0xefbe4786, 0x384f25e3, 0x0fc19dc6, 0x8b8cd5b5, 0x240ca1cc, 0x77ac9c65,
  0x2de92c6f, 0x592b0275, 0x4a7484aa, 0x6ea6e483, 0x5cb0a9dc, 0xbd41fbd4, 0x76f988da, 0x831153b5,
  0x983e5152, 0xee66dfab, 0xa831c66d, 0x2db43210, 0xb00327c8, 0x98fb213f, 0xbf597fc7, 0xbeef0ee4,
  0xc6e00bf3, 0x3da88fc2, 0xd5a79147, 0x930aa725, 0x06ca6351, 0xe003826f, 0x14292967, 0x0a0e6e70,
  0x27b70a85, 0x46d22ffc, 0x2e1b2138, 0x5c26c926, 0x4d2c6dfc, 0x5ac42aed, 0x53380d13, 0x9d95b3df,
  0x650a7354, 0x8baf63de, 0x766a0abb, 0x3c77b2a8, 0x81c2c92e, 0x47edaee6, 0x92722c85, 0x1482353b,
  0xa2bfe8a1, 0x4cf10364, 0xa81a664b, 0xbc423001, 0xc24b8b70, 0xd0f89791, 0xc76c51a3, 0x0654be30,
  0xd192e819, 0xd6ef5218, 0xd6990624, 0x5565a910, 0xf40e3585, 0x5771202a, 0x106aa070, 0x32bbd1b8,
  0x19a4c116, 0xb8d2d0c8, 0x1e376c08, 0x5141ab53, 0x2748774c, 0xdf8eeb99, 0x34b0bcb5, 0xe19b48a8,
  0x391c0cb3, 0xc5c95a63, 0x4ed8aa4a, 0xe3418acb, 0x5b9cca4f, 0x7763e373, 0x682e6ff3, 0xd6b2b8a3,
  0x748f82ee, 0x5defb2fc, 0x78a5636f, 0x43172f60, 0x84c87814, 0xa1f0ab72, 0x8cc70208, 0x1a6439ec,
  0x90befffa, 0x23631e28, 0xa4506ceb, 0xde82bde9, 0xbef9a3f7, 0xb2c67915, 0xc67178f2, 0xe372532b,
  0xca273ece, 0xea26619c, 0xd186b8c7, 0x21c0c207, 0xeada7dd6, 0xcde0eb1e, 0xf57d4f7f, 0xee6ed178,
  0x06f067aa, 0x72176fba, 0x0a637dc5, 0xa2c898a6, 0x113f9804, 0xbef90dae, 0x1b710b35, 0x131c471b,
  0x28db77f5, 0x23047d84, 0x32caab7b, 0x40c72493, 0x3c9ebe0a, 0x15c9bebc, 0x431d67c4, 0x9c100d4c,
  0x4cc5d4be, 0xcb3e42b6, 0x597f299c, 0xfc657e2a, 0x5fcb6fab, 0x3ad6faec, 0x6c44198c, 0x4a475817,
])

const IV512 = [
  0x6a09e667, 0xf3bcc908, 0xbb67ae85, 0x84caa73b, 0x3c6ef372, 0xfe94f82b, 0xa54ff53a, 0x5f1d36f1,
  0x510e527f, 0xade682d1, 0x9b05688c, 0x2b3e6c1f, 0x1f83d9ab, 0xfb41bd6b, 0x5be0cd19, 0x137e2179,
]

const IV384 = [
  0xcbbb9d5d, 0xc1059ed8, 0x629a292a, 0x367cd507, 0x9159015a, 0x3070dd17, 0x152fecd8, 0xf70e5939,
  0x67332667, 0xffc00b31, 0x8eb44a87, 0x68581511, 0xdb0c2e0d, 0x64f98fa7, 0x47b5481d, 0xbefa4fa4,
]

/** The block size in bytes of each hash (what HMAC pads its key to). */
const BLOCK_BYTES: Readonly<Record<Sha2, number>> = {
  'SHA-256': 64,
  'SHA-384': 128,
  'SHA-512': 128,
}

/** The digest of `data` (bytes, or a string taken as UTF-8). */
export function sha2(hash: Sha2, data: Uint8Array | string): Uint8Array {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data
  return hash === 'SHA-256' ? sha256(bytes) : sha512(bytes, hash === 'SHA-384')
}

/** HMAC of `data` keyed with `key` (RFC 2104). */
export function hmacSha2(hash: Sha2, key: Uint8Array, data: Uint8Array | string): Uint8Array {
  const block = BLOCK_BYTES[hash]
  const shortKey = key.length > block ? sha2(hash, key) : key
  const inner = new Uint8Array(block)
  const outer = new Uint8Array(block)
  inner.set(shortKey)
  outer.set(shortKey)
  for (let i = 0; i < block; i++) {
    inner[i]! ^= 0x36
    outer[i]! ^= 0x5c
  }
  const message = typeof data === 'string' ? new TextEncoder().encode(data) : data
  return sha2(hash, concat(outer, sha2(hash, concat(inner, message))))
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

/** The message with its padding and length (FIPS 180-4 §5.1), as a whole number of blocks. */
function pad(data: Uint8Array, blockBytes: number, lengthBytes: number): DataView {
  const total = Math.ceil((data.length + 1 + lengthBytes) / blockBytes) * blockBytes
  const padded = new Uint8Array(total)
  padded.set(data)
  padded[data.length] = 0x80
  const view = new DataView(padded.buffer)
  // Bit length; inputs here are far below 2^53 bits, so the upper word holds only the top bits.
  const bits = data.length * 8
  view.setUint32(total - 8, Math.floor(bits / 0x100000000))
  view.setUint32(total - 4, bits >>> 0)
  return view
}

function sha256(data: Uint8Array): Uint8Array {
  const view = pad(data, 64, 8)
  const h = IV256.slice()
  const w = new Uint32Array(64)
  for (let offset = 0; offset < view.byteLength; offset += 64) {
    for (let t = 0; t < 16; t++) w[t] = view.getUint32(offset + t * 4)
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15]!
      const y = w[t - 2]!
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)
      w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0
    }
    let [a, b, c, d, e, f, g, hh] = h as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ]
    for (let t = 0; t < 64; t++) {
      const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
      const ch = (e & f) ^ (~e & g)
      const t1 = (hh + s1 + ch + K256[t]! + w[t]!) | 0
      const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
      const maj = (a & b) ^ (a & c) ^ (b & c)
      const t2 = (s0 + maj) | 0
      hh = g
      g = f
      f = e
      e = (d + t1) | 0
      d = c
      c = b
      b = a
      a = (t1 + t2) | 0
    }
    h[0] = (h[0]! + a) | 0
    h[1] = (h[1]! + b) | 0
    h[2] = (h[2]! + c) | 0
    h[3] = (h[3]! + d) | 0
    h[4] = (h[4]! + e) | 0
    h[5] = (h[5]! + f) | 0
    h[6] = (h[6]! + g) | 0
    h[7] = (h[7]! + hh) | 0
  }
  const out = new Uint8Array(32)
  const outView = new DataView(out.buffer)
  for (let i = 0; i < 8; i++) outView.setUint32(i * 4, h[i]!)
  return out
}

/**
 * SHA-512 (or SHA-384: another IV, a shorter output) on 64-bit words kept as pairs of 32-bit
 * halves: `hi` and `lo` arrays, word i at index i.
 */
function sha512(data: Uint8Array, is384: boolean): Uint8Array {
  const view = pad(data, 128, 16)
  const iv = is384 ? IV384 : IV512
  const hh = new Uint32Array(8)
  const hl = new Uint32Array(8)
  for (let i = 0; i < 8; i++) {
    hh[i] = iv[2 * i]!
    hl[i] = iv[2 * i + 1]!
  }
  const wh = new Uint32Array(80)
  const wl = new Uint32Array(80)
  const vh = new Uint32Array(8)
  const vl = new Uint32Array(8)
  for (let offset = 0; offset < view.byteLength; offset += 128) {
    for (let t = 0; t < 16; t++) {
      wh[t] = view.getUint32(offset + t * 8)
      wl[t] = view.getUint32(offset + t * 8 + 4)
    }
    for (let t = 16; t < 80; t++) {
      // sigma0(w[t-15]) = rotr1 ^ rotr8 ^ shr7
      const xh = wh[t - 15]!
      const xl = wl[t - 15]!
      const s0h = ((xh >>> 1) | (xl << 31)) ^ ((xh >>> 8) | (xl << 24)) ^ (xh >>> 7)
      const s0l = ((xl >>> 1) | (xh << 31)) ^ ((xl >>> 8) | (xh << 24)) ^ ((xl >>> 7) | (xh << 25))
      // sigma1(w[t-2]) = rotr19 ^ rotr61 ^ shr6
      const yh = wh[t - 2]!
      const yl = wl[t - 2]!
      const s1h = ((yh >>> 19) | (yl << 13)) ^ ((yl >>> 29) | (yh << 3)) ^ (yh >>> 6)
      const s1l = ((yl >>> 19) | (yh << 13)) ^ ((yh >>> 29) | (yl << 3)) ^ ((yl >>> 6) | (yh << 26))
      // w[t] = w[t-16] + s0 + w[t-7] + s1
      let lo = (wl[t - 16]! >>> 0) + (s0l >>> 0) + (wl[t - 7]! >>> 0) + (s1l >>> 0)
      const hi = wh[t - 16]! + s0h + wh[t - 7]! + s1h + Math.floor(lo / 0x100000000)
      lo >>>= 0
      wh[t] = hi
      wl[t] = lo
    }
    vh.set(hh)
    vl.set(hl)
    for (let t = 0; t < 80; t++) {
      const ah = vh[0]!
      const al = vl[0]!
      const eh = vh[4]!
      const el = vl[4]!
      // Sigma1(e) = rotr14 ^ rotr18 ^ rotr41
      const S1h =
        ((eh >>> 14) | (el << 18)) ^ ((eh >>> 18) | (el << 14)) ^ ((el >>> 9) | (eh << 23))
      const S1l =
        ((el >>> 14) | (eh << 18)) ^ ((el >>> 18) | (eh << 14)) ^ ((eh >>> 9) | (el << 23))
      // Ch(e, f, g)
      const chh = (eh & vh[5]!) ^ (~eh & vh[6]!)
      const chl = (el & vl[5]!) ^ (~el & vl[6]!)
      // t1 = h + S1 + ch + K[t] + w[t]
      let t1l = (vl[7]! >>> 0) + (S1l >>> 0) + (chl >>> 0) + K512[2 * t + 1]! + (wl[t]! >>> 0)
      const t1h = vh[7]! + S1h + chh + K512[2 * t]! + wh[t]! + Math.floor(t1l / 0x100000000)
      t1l >>>= 0
      // Sigma0(a) = rotr28 ^ rotr34 ^ rotr39
      const S0h = ((ah >>> 28) | (al << 4)) ^ ((al >>> 2) | (ah << 30)) ^ ((al >>> 7) | (ah << 25))
      const S0l = ((al >>> 28) | (ah << 4)) ^ ((ah >>> 2) | (al << 30)) ^ ((ah >>> 7) | (al << 25))
      // Maj(a, b, c)
      const majh = (ah & vh[1]!) ^ (ah & vh[2]!) ^ (vh[1]! & vh[2]!)
      const majl = (al & vl[1]!) ^ (al & vl[2]!) ^ (vl[1]! & vl[2]!)
      let t2l = (S0l >>> 0) + (majl >>> 0)
      const t2h = S0h + majh + Math.floor(t2l / 0x100000000)
      t2l >>>= 0
      for (let i = 7; i > 0; i--) {
        vh[i] = vh[i - 1]!
        vl[i] = vl[i - 1]!
      }
      // e = d + t1 (d is now at index 4 after the shift)
      let el2 = (vl[4]! >>> 0) + t1l
      vh[4] = vh[4]! + t1h + Math.floor(el2 / 0x100000000)
      el2 >>>= 0
      vl[4] = el2
      // a = t1 + t2
      let al2 = t1l + t2l
      vh[0] = t1h + t2h + Math.floor(al2 / 0x100000000)
      al2 >>>= 0
      vl[0] = al2
    }
    for (let i = 0; i < 8; i++) {
      const lo = (hl[i]! >>> 0) + (vl[i]! >>> 0)
      hh[i] = hh[i]! + vh[i]! + Math.floor(lo / 0x100000000)
      hl[i] = lo >>> 0
    }
  }
  const words = is384 ? 6 : 8
  const out = new Uint8Array(words * 8)
  const outView = new DataView(out.buffer)
  for (let i = 0; i < words; i++) {
    outView.setUint32(i * 8, hh[i]!)
    outView.setUint32(i * 8 + 4, hl[i]!)
  }
  return out
}
