/**
 * What CodeArts Repo's `mirroring_enabled` means, and the one mapping between it and a
 * RepositoryMirror's plain `scheduledSync`.
 *
 * The update API documents it inverted: its request and response tables give the value range
 * "true: scheduled synchronization is not enabled; false: it is enabled"
 * (https://support.huaweicloud.com/api-codeartsrepo/UpdateRepositoryRemoteMirror.html, and the SDK
 * models generated from it:
 * https://github.com/huaweicloud/huaweicloud-sdk-go-v3/blob/master/services/codeartsrepo/v4/model/model_remote_mirror_update_body.go,
 * https://github.com/huaweicloud/huaweicloud-sdk-go-v3/blob/master/services/codeartsrepo/v4/model/model_update_repository_remote_mirror_response.go).
 * The show and associate pages only name the field "enable scheduled synchronization", with no
 * value range (https://support.huaweicloud.com/api-codeartsrepo/ShowRemoteMirror.html). So the
 * documented reading, the default here, is "true means off"; the field's name suggests the other
 * one, and which one the service implements is unconfirmed: a CodeArtsConnection can switch it.
 */
/** `mirroring_enabled: true` means scheduled sync is off (documented) or on (the field name's reading). */
export const MIRRORING_ENABLED_READINGS = ["true-means-off", "true-means-on"] as const;
export type MirroringEnabledReading = (typeof MIRRORING_ENABLED_READINGS)[number];

/** The update API's documented reading (see the sources above). */
export const DOCUMENTED_READING: MirroringEnabledReading = "true-means-off";

/** The reading in force for a connection, and what put it in force (for plans and messages). */
export interface ReadingInForce {
  reading: MirroringEnabledReading;
  /** "default": nothing set; otherwise the CodeArtsConnection prop that set it. */
  setBy: "default" | "mirroringEnabledReading" | "mirroringEnabledInverted";
}

/** The deprecated boolean (true = the update API's documented reading) as a reading. */
export const readingFromInverted = (inverted: boolean): MirroringEnabledReading =>
  inverted ? "true-means-off" : "true-means-on";

/**
 * The reading a connection asks for: `mirroringEnabledReading`, else the deprecated
 * `mirroringEnabledInverted` (stacks synthesized before it existed, and their state), else the
 * documented one.
 */
export function readingInForce(
  ref: { mirroringEnabledReading?: string; mirroringEnabledInverted?: boolean } | undefined,
): ReadingInForce {
  const set = ref?.mirroringEnabledReading;
  if (set !== undefined && (MIRRORING_ENABLED_READINGS as readonly string[]).includes(set))
    return { reading: set as MirroringEnabledReading, setBy: "mirroringEnabledReading" };
  if (typeof ref?.mirroringEnabledInverted === "boolean")
    return { reading: readingFromInverted(ref.mirroringEnabledInverted), setBy: "mirroringEnabledInverted" };
  return { reading: DOCUMENTED_READING, setBy: "default" };
}

/**
 * THE mapping: scheduledSync → mirroring_enabled for requests, and mirroring_enabled →
 * scheduledSync for what the API returns. It is its own inverse, so one function serves both ways.
 */
export function mapScheduledSync(value: boolean, reading: MirroringEnabledReading): boolean {
  return reading === "true-means-off" ? !value : value;
}

/**
 * How plans and apply output say what a write of `scheduledSync` sends and under which reading,
 * e.g. `sends mirroring_enabled=true (documented reading, the default: true = scheduled sync off;
 * CodeArtsConnection mirroringEnabledReading: "true-means-on" reads it the other way)`.
 */
export function describeWrite(scheduledSync: boolean, inForce: ReadingInForce): string {
  const { reading, setBy } = inForce;
  const raw = mapScheduledSync(scheduledSync, reading);
  const meaning = `true = scheduled sync ${reading === "true-means-off" ? "off" : "on"}`;
  const other = reading === "true-means-off" ? "true-means-on" : "true-means-off";
  const source =
    setBy === "default"
      ? `documented reading, the default: ${meaning}; CodeArtsConnection mirroringEnabledReading: "${other}" ` +
        `reads it the other way`
      : setBy === "mirroringEnabledReading"
        ? `${reading === DOCUMENTED_READING ? "documented reading" : "against the update API's documentation"}, ` +
          `set by CodeArtsConnection mirroringEnabledReading: "${reading}": ${meaning}`
        : `${reading === DOCUMENTED_READING ? "documented reading" : "against the update API's documentation"}, ` +
          `set by the deprecated CodeArtsConnection mirroringEnabledInverted: ${reading === DOCUMENTED_READING}: ` +
          `${meaning}`;
  return `sends mirroring_enabled=${raw} (${source})`;
}
