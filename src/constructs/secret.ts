/**
 * A reference to a secret that is resolved at run time, never at synth time: only the reference
 * (e.g. an environment variable's name) reaches the synthesized stack.
 */
export class Secret {
  /** A secret read from the environment variable `name` when reposmith (or a Terraform hook) runs. */
  static fromEnv(name: string): Secret {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new Error(
        `Secret.fromEnv: "${name}" is not an environment variable name (letters, digits and "_", ` +
          `not starting with a digit)`,
      );
    }
    return new Secret(name);
  }

  private constructor(readonly envName: string) {}

  /** Refuses to turn into a string, so a secret cannot be interpolated into the stack by accident. */
  toString(): string {
    return `Secret.fromEnv(${this.envName})`;
  }

  toJSON(): { fromEnv: string } {
    return { fromEnv: this.envName };
  }
}
