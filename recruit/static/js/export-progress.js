// Export (and equality report) progress: polls the page's JSON status URL and shows the one
// current state without a reload. The live region ([data-export-text], role="status") is
// announced only when its text changes. Served from our own origin as a module with the page's
// nonce, so it satisfies the CSP (script-src 'self' 'nonce-…').
//
// The status JSON: {status, message?, percent?, done, total, error, download_url,
// download_label?, finished?}. Pages whose JSON has no `message` get the text built here.
const root = document.getElementById('export-progress')

const describe = (s) => {
  if (s.message) return s.message
  if (s.status === 'queued') return 'Queued: waiting for a worker.'
  if (s.status === 'building') return s.total ? `Building: ${s.done} of ${s.total}.` : 'Building.'
  if (s.status === 'ready') return 'Ready to download.'
  if (s.status === 'failed') return `It failed: ${s.error || 'unknown error'}.`
  return 'This file has expired. Build a new one.'
}

const percentOf = (s) => {
  if (typeof s.percent === 'number') return s.percent
  return s.total ? Math.floor((s.done * 100) / s.total) : 0
}

if (root) {
  const text = root.querySelector('[data-export-text]')
  const bar = root.querySelector('[data-export-bar]')
  const meter = root.querySelector('[data-export-meter]') || bar
  const download = root.querySelector('[data-export-download]')
  const link = root.querySelector('[data-export-link]')
  const expiry = document.querySelector('[data-export-expiry]')
  // The no-script "Check again" text would go stale beside live progress: the script hides it.
  for (const fallback of document.querySelectorAll('[data-export-fallback]')) fallback.hidden = true

  const show = (s) => {
    const message = describe(s)
    if (text.textContent.trim() !== message) text.textContent = message
    const building = s.status === 'building'
    if (meter) meter.hidden = !building
    if (bar && building) {
      bar.max = 100
      bar.value = percentOf(s)
      bar.textContent = `${percentOf(s)}%`
    }
    const ready = s.status === 'ready'
    if (ready && link && s.download_label) link.textContent = s.download_label
    if (ready && link && s.download_url) link.href = s.download_url
    download.hidden = !ready
    if (expiry && ready && s.expires_text) {
      expiry.textContent = `Available until ${s.expires_text}. Every download is recorded.`
      expiry.hidden = false
    }
    root.dataset.state = s.status
    return s.finished === true || ['ready', 'failed', 'expired'].includes(s.status)
  }

  let delay = 1000
  const poll = async () => {
    try {
      const response = await fetch(root.dataset.statusUrl, {
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
        cache: 'no-store'
      })
      if (!response.ok) throw new Error(String(response.status))
      if (show(await response.json())) return
      delay = 1000
    } catch (error) {
      // A passing network error: back off a little and try again.
      delay = Math.min(delay * 2, 10000)
    }
    window.setTimeout(poll, delay)
  }
  if (!['ready', 'failed', 'expired'].includes(root.dataset.state)) window.setTimeout(poll, 500)
}
