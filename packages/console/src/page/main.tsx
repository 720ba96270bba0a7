/**
 * The console page's entry: mounts the app into #app.
 *
 * Invariants: the only script of the page (loaded from /ui/assets as a module, no inline code).
 */
import { render } from "preact";
import { App } from "./app.js";

render(<App />, document.getElementById("app") as HTMLElement);
