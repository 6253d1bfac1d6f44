/** The release version of pynb-dag-runner, printed by `cli.ts --version`. */
export const VERSION = "0.1.0";
