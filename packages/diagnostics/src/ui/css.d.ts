/** Stylesheets the page imports for their side effect: esbuild bundles them into `page.css`. */
declare module '*.css'
