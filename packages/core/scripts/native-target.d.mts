// Types of native-target.mjs (kept next to it so TypeScript sources can import it).
export declare const ADDON_FILE: "spool_native.node";
export declare function nativeTarget(): string;
export declare function prebuiltAddon(root: string, target?: string): string;
export declare function sourceBuiltAddon(root: string): string;
