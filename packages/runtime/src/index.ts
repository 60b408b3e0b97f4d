// @hearth/runtime: workspace files confined to a root, and terminals on node-pty.
export {};
