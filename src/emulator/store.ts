/**
 * The one state object shared by every API family. Each family owns a section that reads its own
 * keys of the shared seed document; adding a family = adding a section here.
 */
import { CloudsmithStore } from "./cloudsmith/store";
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
  private readonly sections: StoreSection[] = [this.cloudsmith];

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
