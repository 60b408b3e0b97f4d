// What next-env.d.ts gives the app (CSS modules, images), without waiting for a build to
// write that file, so `tsc` can check the app on a fresh checkout.
/// <reference types="next" />
/// <reference types="next/image-types/global" />
