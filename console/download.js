// Saving a document the page already holds (a transcript) as a file, through a Blob URL: the
// CSP allows blob: and nothing has to be fetched again.

/** Offers `content` for download as `fileName` of media type `contentType`. */
export function saveAs(content, fileName, contentType) {
  const url = URL.createObjectURL(new Blob([content], { type: contentType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the URL by now; keep it a moment for slow browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
