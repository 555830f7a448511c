/** Small DOM helpers: elements built with text content only, never parsed HTML. */

/** The element with `id`; the page's markup has every id the script uses. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id)
  if (element === null) throw new Error(`the page has no #${id}`)
  return element as T
}

export interface ElementInit {
  className?: string
  text?: string
  title?: string
}

/**
 * `<tag class=... title=...>text or children</tag>`; text is set as text, so a peer's agent
 * string stays text.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  init: ElementInit = {},
  children: ReadonlyArray<Node | string> = [],
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  if (init.className !== undefined) element.className = init.className
  if (init.title !== undefined) element.title = init.title
  if (init.text !== undefined) element.textContent = init.text
  for (const child of children) element.append(child)
  return element
}

/** A table cell; `numeric` aligns it right. */
export function cell(content: Node | string, numeric = false): HTMLTableCellElement {
  return el('td', numeric ? { className: 'num' } : {}, [content])
}

/** Replaces a table body's rows, or shows `empty` in one row across `columns`. */
export function fillRows(
  body: HTMLTableSectionElement,
  rows: HTMLTableRowElement[],
  columns: number,
  empty: string,
): void {
  if (rows.length > 0) {
    body.replaceChildren(...rows)
    return
  }
  const only = el('td', { className: 'empty', text: empty })
  only.colSpan = columns
  body.replaceChildren(el('tr', {}, [only]))
}

/** Sets `text` only when it differs, so an unchanged value does not repaint. */
export function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text
}
