// Midlands Engine Recruitment: start the GOV.UK Frontend components on every page.
//
// Served as build/recruit.js next to build/govuk-frontend.min.js (both copied by
// scripts/build_assets.sh), so the import stays on our origin and satisfies the CSP
// (script-src 'self'). base.html loads this file as a module with the page's nonce.
//
// initAll() finds every [data-module="govuk-..."] element: error summary (moves focus to
// it), character count, notification banner (focuses success banners), skip link,
// checkboxes, radios, button (stops double submits), accordion, tabs, password input...
// It does nothing in browsers that lack the `govuk-frontend-supported` class on <body>,
// which the inline script in base.html sets.
import { initAll } from './govuk-frontend.min.js'

initAll()
