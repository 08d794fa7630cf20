/**
 * The wire forms of a package: `Package` / `PackageCopy` / `PackageResync` (92 fields),
 * `PackageDetail` (+ has_dependencies) and `PackageStatus` (25 fields), as in the published spec.
 * Every field is emitted; blank values are null where the spec allows it (Cloudsmith's convention).
 */
import { PackageRecord, STATUS_FIELDS, syncFlags, syncView } from "./packages-model";

export interface PackageUrls {
  /** `http://host:port` as the client addressed the server. */
  root: string;
  owner: string;
  repo: string;
}

const EXTENSIONS: Record<string, string> = {
  npm: ".tgz",
  python: ".tar.gz",
  maven: ".jar",
  nuget: ".nupkg",
  rpm: ".rpm",
  deb: ".deb",
  helm: ".tgz",
  ruby: ".gem",
  cargo: ".crate",
  go: ".zip",
  composer: ".zip",
  dart: ".tar.gz",
  terraform: ".tar.gz",
  alpine: ".apk",
  conda: ".tar.bz2",
  cran: ".tar.gz",
  docker: ".tar",
  raw: "",
  vagrant: ".box",
  swift: ".zip",
  hex: ".tar",
};

/** `left-pad-1.3.0.tgz` for npm, `name-version.ext` for other formats. */
export function defaultFilename(format: string, name: string, version: string): string {
  return `${name}-${version}${EXTENSIONS[format] ?? ".bin"}`;
}

function extensionOf(filename: string): string {
  const m = /(\.tar\.(gz|bz2|xz)|\.[A-Za-z0-9]+)$/.exec(filename);
  return m ? m[1] : "";
}

export function toPackage(p: PackageRecord, u: PackageUrls, nowMs: number): Record<string, unknown> {
  const view = syncView(p, nowMs);
  const flags = syncFlags(view.phase);
  const api = `${u.root}/v1`;
  const self = `${api}/packages/${u.owner}/${u.repo}/${p.slug_perm}/`;
  const [originOwner, originRepo] = p.origin.split("/");
  const cdn = view.phase === "completed" ? `${u.root}/cdn/${u.owner}/${u.repo}/${p.format}/${p.filename}` : null;
  const { phase: _phase, ...status } = view;
  return {
    architectures: [],
    cdn_url: cdn,
    checksum_md5: p.checksum_md5,
    checksum_sha1: p.checksum_sha1,
    checksum_sha256: p.checksum_sha256,
    checksum_sha512: p.checksum_sha512,
    dependencies_checksum_md5: null,
    dependencies_url: `${self}dependencies/`,
    description: p.description,
    display_name: p.name,
    distro: null,
    distro_version: {},
    downloads: p.downloads,
    epoch: null,
    extension: extensionOf(p.filename),
    filename: p.filename,
    filepath: `${p.name}/${p.version}/${p.filename}`,
    files: [
      {
        cdn_url: cdn,
        checksum_md5: p.checksum_md5,
        checksum_sha1: p.checksum_sha1,
        checksum_sha256: p.checksum_sha256,
        checksum_sha512: p.checksum_sha512,
        downloads: p.downloads,
        filename: p.filename,
        is_downloadable: flags.is_downloadable,
        is_primary: true,
        is_synchronised: view.phase === "completed",
        signature_url: null,
        size: p.size,
        slug_perm: `${p.slug_perm}f`,
        tag: "pkg",
      },
    ],
    format: p.format,
    format_url: `${api}/formats/${p.format}/`,
    freeable_storage: p.size,
    fully_qualified_name: p.name,
    identifier_perm: p.slug_perm,
    identifiers: { name: p.name, version: p.version },
    indexed: view.phase === "completed",
    ...flags,
    is_malware_detected: false,
    license: p.license,
    name: p.name,
    namespace: u.owner,
    namespace_url: `${api}/namespaces/${u.owner}/`,
    num_files: 1,
    origin_repository: originRepo,
    origin_repository_url: `${api}/repos/${originOwner}/${originRepo}/`,
    osi_approved: false,
    package_type: 1,
    policy_violated: false,
    raw_license: p.license,
    release: null,
    repository: u.repo,
    repository_url: `${api}/repos/${u.owner}/${u.repo}/`,
    security_scan_completed_at: null,
    security_scan_started_at: null,
    security_scan_status: "Security Scanning Disabled",
    security_scan_status_updated_at: null,
    self_html_url: `${u.root}/${u.owner}/${u.repo}/${p.format}/${p.slug}/`,
    self_url: self,
    self_webapp_url: `${u.root}/${u.owner}/${u.repo}/${p.format}/${p.slug}/`,
    signature_url: null,
    size: p.size,
    slug: p.slug,
    slug_perm: p.slug_perm,
    spdx_license: p.license,
    ...status,
    status_url: `${self}status/`,
    store_path: null,
    subtype: p.format,
    summary: p.summary,
    tags: structuredClone(p.tags),
    tags_automatic: {},
    tags_immutable: {},
    tags_static: {},
    type_display: p.format,
    uploaded_at: p.uploaded_at,
    uploader: p.uploader,
    uploader_url: `${api}/users/profile/${p.uploader}/`,
    version: p.version,
    version_orig: p.version,
    vulnerability_counts: null,
    vulnerability_scan_results_url: `${self}vulnerabilities/`,
  };
}

/** `PackageDetail`: the package plus `has_dependencies`. */
export function toPackageDetail(p: PackageRecord, u: PackageUrls, nowMs: number): Record<string, unknown> {
  return { ...toPackage(p, u, nowMs), has_dependencies: false };
}

export function toPackageStatus(p: PackageRecord, u: PackageUrls, nowMs: number): Record<string, unknown> {
  const full = toPackage(p, u, nowMs);
  return Object.fromEntries(STATUS_FIELDS.map((f) => [f, full[f]]));
}
