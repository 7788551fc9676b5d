/** Public keys made with ssh-keygen, and the fingerprints `ssh-keygen -l` printed for them. */
export const ED25519 = {
  line: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGC3Kb/sKPGrx45RJrHSmbEiJAqrqZAmPof+VpvkMuCO alice@laptop',
  fingerprint: 'SHA256:nXRQo/d4vjqrKwN6HYNzl6YUC7k+IIKfAjUGSmk/+ik',
};
export const RSA = {
  line:
    'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCpOix4f3j+N2ukfMNQ/NjmjTIIhTAHHrJb03d4qJYd76lZi/q6HKaCRdCRhgl6DGgb4TVp' +
    'rRy3Z4+S0lnWwidxMtobaVWx0N8tT5jreGvCE54mJ1J+f4s0BH8JYd7HAAAQL3ddn7yoOa/KTkyx2fkMY2qBUIDuwF2PtWq8Vs+p1QZtIrvh' +
    'BDQ4Md7ObywDbqqXHCNqUSMVZ03BO9sVZ3e3b44jZapcZ5qWsE9jvXqbDRrgfK7kGRCnKzCECK4M88nvZTP69HqUKcrnm5cydLHXAB4LFVSw' +
    'R5sgMOnpZl31BGeA9tF/La3kJ6BGFfNCj7bCJr7rlufDdo/CqGMsxL3n rsa key',
  fingerprint: 'SHA256:zGePvJd3exDrfdsncefITgwSVSiMF2sZDQ2xZAZKDWg',
};
export const ECDSA = {
  line:
    'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBIiCaFMEzKy/XBphPeg9L5OISb9y7ugntOMgZ' +
    'yYnggFvx6ufn/TZZNegAeWOWdQ2S3vmHqGa5Am1UUVmDhJrO2Y=',
  fingerprint: 'SHA256:Ebyie/GKfcfF7bx8U1EIS6og+KeqVsgdxL4DsRxOg28',
};

/** The key blob (SSH wire form) of a one-line key, as a client presents it at login. */
export function blobOf(line: string): Buffer {
  return Buffer.from(line.split(' ')[1], 'base64');
}
