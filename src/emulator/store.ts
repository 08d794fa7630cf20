/**
 * The one state object shared by every API family. Each family owns a section that reads its own
 * keys of the shared seed document; adding a family = adding a section here.
 */
import { PackageStore } from "./cloudsmith/packages-store";
import { CloudsmithStore } from "./cloudsmith/store";
import { CodeArtsStore } from "./codearts/store";
import { invalidInput } from "./errors";
import type { SeedDocument } from "./types";
import { isPlainObject } from "./util";

export interface StoreSection {
  /** Merges this family's keys of the seed document; throws an ApiError (400) when invalid. */
  seed(doc: SeedDocument): void;
  reset(): void;
  /** This family's state in seed format (secrets included). */
  dump(): Record<string, unknown>;
}

export class EmulatorStore {
  readonly cloudsmith = new CloudsmithStore();
  /** Cloudsmith packages (they live in the repositories of `cloudsmith`, so they are seeded after it). */
  readonly packages = new PackageStore(this.cloudsmith);
  /** Huawei Cloud CodeArts Repo + IAM (the `codearts` seed key). */
  readonly codearts = new CodeArtsStore();
  private readonly sections: StoreSection[] = [this.cloudsmith, this.packages, this.codearts];

  seed(doc: SeedDocument): void {
    if (!isPlainObject(doc)) throw invalidInput({ non_field_errors: ["A seed document must be a JSON object."] });
    for (const section of this.sections) section.seed(doc);
  }

  reset(): void {
    for (const section of this.sections) section.reset();
  }

  dump(): Record<string, unknown> {
    return Object.assign({}, ...this.sections.map((s) => s.dump()));
  }
}
