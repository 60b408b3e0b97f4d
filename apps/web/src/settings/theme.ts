// Plain constants (no client code): the root layout, a server component, reads them too.

/** Where the browser remembers the theme, so the next page starts in it (layout.tsx). */
export const THEME_STORAGE_KEY = "hearth-theme";

/**
 * Run before the page paints (an inline script in the layout): the theme the person had,
 * instead of a dark flash until their settings arrive.
 */
export const THEME_BOOT_SCRIPT = `try{var t=localStorage.getItem("${THEME_STORAGE_KEY}");if(t==="light"||t==="highContrast")document.documentElement.dataset.theme=t}catch(e){}`;
