// Polls an export's status and updates the page; the live region announces each change.
const root = document.getElementById('export-progress')
if (root) {
  const text = root.querySelector('[data-export-text]')
  const bar = root.querySelector('[data-export-bar]')
  const download = root.querySelector('[data-export-download]')
  let last = ''
  const describe = (s) => {
    if (s.status === 'queued') return 'Queued: waiting for a worker.'
    if (s.status === 'building') return `Building: ${s.done} of ${s.total} applications.`
    if (s.status === 'ready') return 'Ready.'
    if (s.status === 'failed') return `The export failed: ${s.error || 'unknown error'}.`
    return 'This export has expired.'
  }
  const poll = async () => {
    try {
      const response = await fetch(root.dataset.statusUrl, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      if (!response.ok) throw new Error(String(response.status))
      const s = await response.json()
      const message = describe(s)
      if (message !== last) { text.textContent = message; last = message }
      bar.max = s.total || 1
      bar.value = s.done
      if (s.status === 'ready') { download.hidden = false; return }
      if (s.status === 'failed' || s.status === 'expired') return
    } catch (error) {
      // A passing network error: try again on the next tick.
    }
    window.setTimeout(poll, 1500)
  }
  window.setTimeout(poll, 1000)
}
