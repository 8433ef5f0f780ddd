// Package browser holds Candor's end-to-end browser tests: they start a real server in the
// test process and drive the staff console and the public page in headless Chromium
// through chromedp, exactly as a person without extra tooling would use them.
package browser
