() => {
  // Accessibility fixes to the DOM that Gradio draws (issue 27), loaded once per page by ui/a11y.py.
  // Each pass is idempotent (it changes only what is still wrong), and a MutationObserver reruns it: a tab's content is built only when the
  // tab first opens, and a plot redraws its SVG on every new value.
  //  - plots: Vega leaves some mark groups (the hover layer, bars) with role graphics-symbol and no
  //    name, so a screen reader hears nothing. The SVG gets a one-line summary (the plot's caption,
  //    else "title: y against x"), and each unnamed group that summary with its kind.
  //  - read-only code (gr.Code): its scroller has tabindex -1, so a keyboard cannot scroll it.
  //  - "Empty value" placeholders: an aria-label on a plain div means nothing without a role.
  //  - a table's row-number header is empty: it is the rows' number, "#".
  const text = (root, selector) => {
    const node = root.querySelector(selector);
    return node ? node.textContent.trim() : "";
  };
  const summary = (embed) => {
    const block = embed.closest(".block") || embed;
    const caption = text(block, ".caption");
    if (caption) return caption;
    const svg = embed.querySelector("svg");
    const title = text(svg, ".role-title-text") || text(block, "[data-testid=block-label]") || "plot";
    const axes = Array.from(svg.querySelectorAll(".role-axis-title text")).map((t) => t.textContent.trim());
    return axes.length === 2 ? `${title}: ${axes[1]} against ${axes[0]}` : title;
  };
  const fix = () => {
    for (const embed of document.querySelectorAll(".vega-embed")) {
      const svg = embed.querySelector("svg.marks");
      if (!svg) continue;
      const said = summary(embed);
      if (svg.getAttribute("aria-label") !== said) {
        svg.setAttribute("role", "graphics-document");
        svg.setAttribute("aria-label", said);
      }
      for (const group of svg.querySelectorAll("[role=graphics-symbol]:not([aria-label])")) {
        group.setAttribute("aria-label", `${said} (${group.getAttribute("aria-roledescription") || "marks"})`);
      }
    }
    for (const scroller of document.querySelectorAll(".cm-scroller[tabindex='-1']")) {
      scroller.setAttribute("tabindex", "0");
      scroller.setAttribute("aria-label", "code");
    }
    for (const empty of document.querySelectorAll("div[aria-label]:not([role])")) empty.setAttribute("role", "img");
    for (const header of document.querySelectorAll("th.row-number-header")) {
      if (!header.textContent.trim()) header.textContent = "#";
    }
  };
  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; fix(); });
  // Attributes too: Vega's redraw removes an aria-label it did not set, without adding a node.
  }).observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true,
                              attributeFilter: ["aria-label", "tabindex"] });
  fix();
}
