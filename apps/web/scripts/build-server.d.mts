/**
 * Bundles `entry` like the production server and answers the bundle's absolute path.
 * `outfile` is relative to apps/web and should stay under dist/.
 */
export declare function bundle(opts: { entry: string; outfile: string }): Promise<string>;
