/**
 * Package operations (tag `packages`, base `/packages/{owner}/{repo}/`), see docs/api/cloudsmith.md#packages.
 * `{identifier}` is always the package's slug_perm. Operation names are the spec's operationIds.
 */
import type { HttpTransport } from "../http/transport";
import { listAllPages } from "./pagination";
import { Package, PackageCopyRequest, PackageSchema, PackageStatus, PackageStatusSchema } from "./package-schemas";

export interface ListPackagesOptions {
  /** Cloudsmith search syntax, e.g. `tag:release AND format:npm`. @default - every package */
  query?: string;
  /** e.g. `-date` (the API's default), `name`, `-version`. */
  sort?: string;
  /** @default 500 (the documented maximum) */
  pageSize?: number;
}

export interface PackagesApi {
  /** Every page of `packages_list`. */
  list(owner: string, repo: string, opts?: ListPackagesOptions): Promise<Package[]>;
  read(owner: string, repo: string, slugPerm: string): Promise<Package>;
  /**
   * Copies a package into `destination` (same namespace) and returns the NEW package there (its own
   * slug_perm); its sync then runs asynchronously. A POST: never sent again after it may have been
   * received unless `opts.landed` (finding the copy in the destination) says it was not; otherwise
   * an error with `ambiguous: true` means "list the destination before trying again".
   */
  copy(
    owner: string,
    repo: string,
    slugPerm: string,
    body: PackageCopyRequest,
    opts?: { landed?: () => Promise<Package | undefined> },
  ): Promise<Package>;
  /** The sync/status fields only (cheaper than a read). */
  status(owner: string, repo: string, slugPerm: string): Promise<PackageStatus>;
  /** Re-runs processing of a package (after a failed sync). */
  resync(owner: string, repo: string, slugPerm: string): Promise<Package>;
  /** 204; a 404 is thrown as NotFoundError and the caller decides whether that means "gone". */
  delete(owner: string, repo: string, slugPerm: string): Promise<void>;
}

const seg = (s: string) => encodeURIComponent(s);

/**
 * What stands in a list for a package whose used field is malformed: its identity when readable
 * (slug_perm, format, name, version, checksum_sha256), nothing else. Marked malformed by the list.
 */
export function unreadablePackage(raw: unknown): Package {
  const o = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const text = (k: string) => (typeof o[k] === "string" ? (o[k] as string) : null);
  return {
    slug_perm: text("slug_perm"),
    format: text("format"),
    name: text("name"),
    version: text("version"),
    checksum_sha256: text("checksum_sha256"),
  };
}

export class CloudsmithPackages implements PackagesApi {
  constructor(private readonly t: HttpTransport) {}

  private base(owner: string, repo: string): string {
    return `/packages/${seg(owner)}/${seg(repo)}/`;
  }

  private item(owner: string, repo: string, slugPerm: string, action?: string): string {
    return `${this.base(owner, repo)}${seg(slugPerm)}/${action ? `${action}/` : ""}`;
  }

  list(owner: string, repo: string, opts: ListPackagesOptions = {}): Promise<Package[]> {
    return listAllPages(this.t, {
      operation: "packages_list",
      path: this.base(owner, repo),
      subject: `${owner}/${repo} packages${opts.query ? ` matching "${opts.query}"` : ""}`,
      query: { query: opts.query || undefined, sort: opts.sort || undefined },
      item: PackageSchema,
      pageSize: opts.pageSize,
      malformed: unreadablePackage,
    });
  }

  async read(owner: string, repo: string, slugPerm: string): Promise<Package> {
    const res = await this.t.request({
      operation: "packages_read",
      method: "GET",
      path: this.item(owner, repo, slugPerm),
      subject: `package ${owner}/${repo}/${slugPerm}`,
      schema: PackageSchema,
    });
    return res.data;
  }

  async copy(
    owner: string,
    repo: string,
    slugPerm: string,
    body: PackageCopyRequest,
    opts?: { landed?: () => Promise<Package | undefined> },
  ): Promise<Package> {
    const res = await this.t.request({
      operation: "packages_copy",
      method: "POST",
      path: this.item(owner, repo, slugPerm, "copy"),
      subject: `copy of package ${owner}/${repo}/${slugPerm} to ${owner}/${body.destination}`,
      body:
        body.republish === undefined
          ? { destination: body.destination }
          : { destination: body.destination, republish: body.republish },
      schema: PackageSchema,
      landed: opts?.landed,
    });
    return res.data;
  }

  async status(owner: string, repo: string, slugPerm: string): Promise<PackageStatus> {
    const res = await this.t.request({
      operation: "packages_status",
      method: "GET",
      path: this.item(owner, repo, slugPerm, "status"),
      subject: `status of package ${owner}/${repo}/${slugPerm}`,
      schema: PackageStatusSchema,
    });
    return res.data;
  }

  async resync(owner: string, repo: string, slugPerm: string): Promise<Package> {
    const res = await this.t.request({
      operation: "packages_resync",
      method: "POST",
      path: this.item(owner, repo, slugPerm, "resync"),
      subject: `resync of package ${owner}/${repo}/${slugPerm}`,
      schema: PackageSchema,
    });
    return res.data;
  }

  async delete(owner: string, repo: string, slugPerm: string): Promise<void> {
    await this.t.request({
      operation: "packages_delete",
      method: "DELETE",
      path: this.item(owner, repo, slugPerm),
      subject: `package ${owner}/${repo}/${slugPerm}`,
    });
  }
}
