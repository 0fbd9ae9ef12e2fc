package web

import _ "github.com/chromedp/chromedp" // the browser test of the page
