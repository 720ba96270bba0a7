/**
 * @spool/console's Node entry: where the built web console lives, for the server that serves it
 * at `/ui` (`createApp({ ui: { dir } })` of @spool/http-server).
 *
 * Invariants: the directory is the package's `dist/ui` (index.html plus hashed files under
 * assets/), the same path from the TypeScript source and from the build; nothing here reads it.
 */
import { fileURLToPath } from "node:url";

/**
 * The directory of the built page: `index.html` and `assets/`.
 *
 * @example
 * import { consoleDir } from "@spool/console";
 * const app = createApp({ dir, ui: { dir: consoleDir } });
 */
export const consoleDir: string = fileURLToPath(new URL("../dist/ui/", import.meta.url));
