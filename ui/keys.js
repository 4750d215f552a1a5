() => {
  // Keyboard shortcuts (issue 27), loaded by app.py with demo.launch(js=...). One listener on the
  // document, not one per button: a tab's content is built only when the tab first opens. Each
  // shortcut presses the page's own button, so a key does exactly what a click does. The keys are
  // listed in the page beside each group (the "Keys:" lines) and in README.
  //   step-through (focus in its row of buttons): ← / → step back / forward, Space or k play / pause
  //   lesson (focus in the Lesson tab):            n or → next step, p or ← back
  //   quiz (focus in the Check yourself tab):      Enter on a choice checks it, n / p (→ / ←) next / previous
  //   any radio group (the quiz's choices, the lesson's steps): ↑ / ↓ (or ← / →) pick the next choice
  //   the names table (a cell selected):            Ctrl+V adds the copied rows at the top
  // A key typed into a text box, the code view or a select stays text; on a radio group or a slider
  // the arrow keys keep their own meaning (pick a choice, change the speed).
  const TYPING = "textarea, select, [contenteditable=''], [contenteditable='true'], " +
    "input:not([type=radio]):not([type=checkbox]):not([type=range]):not([type=button])";
  const OWN_ARROWS = "input[type=radio], input[type=range], [role=tab]";
  let playing = false;  // the step-through's timer, as far as its Play and Pause buttons have set it

  const press = (scope, id) => {
    const button = scope.querySelector("#" + id);
    if (button && !button.disabled) button.click();
  };
  // The timer stops itself at the name's last step: playing then is over.
  const atEnd = () => {
    const header = document.querySelector("#step-header");
    const step = header && header.innerText.match(/Step (\d+) of (\d+)/);
    return step !== null && step[1] === step[2];
  };
  const stepKeys = (key, el, scope) => {
    if ((key === "ArrowLeft" || key === "ArrowRight") && !el.matches(OWN_ARROWS)) {
      press(scope, key === "ArrowLeft" ? "step-back" : "step-next");
    } else if (key === " " || key === "k") {
      press(scope, playing && !atEnd() ? "step-pause" : "step-play");
    } else return false;
    return true;
  };
  // The lesson and the quiz move the same way: n / p, or the arrows where they are not a radio's.
  const moveKeys = (key, el, scope, next, back) => {
    const arrows = !el.matches(OWN_ARROWS);
    if (key === "n" || (arrows && key === "ArrowRight")) press(scope, next);
    else if (key === "p" || (arrows && key === "ArrowLeft")) press(scope, back);
    else return false;
    return true;
  };
  // Gradio 6 gives each choice of a gr.Radio its own `name`, so the browser sees one group per choice
  // and its arrow keys do nothing: move through the choices as a native group would, picking each.
  const BY = {ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1};
  const radioArrows = (key, el) => {
    const fieldset = el.closest("fieldset");
    if (!BY[key] || !fieldset || !el.matches("input[type=radio]")) return false;
    const group = [...fieldset.querySelectorAll("input[type=radio]")];
    const next = group[(group.indexOf(el) + BY[key] + group.length) % group.length];
    next.focus();
    next.click();
    return true;
  };
  const handle = (event) => {
    const el = event.target;
    if (!(el instanceof Element) || el.matches(TYPING)) return false;
    if (radioArrows(event.key, el)) return true;
    const controls = el.closest("#step-controls");
    if (controls) return stepKeys(event.key, el, controls);
    const panel = el.closest("[role=tabpanel]");
    if (panel && panel.querySelector("#lesson-next")) return moveKeys(event.key, el, panel, "lesson-next", "lesson-back");
    if (panel && panel.querySelector("#quiz-check")) {
      if (event.key === "Enter" && el.closest("#quiz-choice")) {
        press(panel, "quiz-check");
        return true;
      }
      return moveKeys(event.key, el, panel, "quiz-next", "quiz-back");
    }
    return false;
  };

  document.addEventListener("click", (event) => {  // a mouse's Play and Pause count too
    if (!(event.target instanceof Element)) return;
    if (event.target.closest("#step-play")) playing = true;
    if (event.target.closest("#step-pause")) playing = false;
  }, true);
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) return;
    if (handle(event)) event.preventDefault();  // Space must not also press the button in focus
  });
  // Ctrl+V on the names table (issue 34): rows copied from a spreadsheet ("name<Tab>label" or "name, label",
  // one per line) go through the paste box and its button, so they are added at the top as if pasted there.
  // The table itself takes no paste: on a selected cell nothing happened, in a cell being edited every line
  // ran into that one cell. Rows are several lines, or on a selected cell one line with a tab or a comma;
  // a lone word is left alone (in a cell being edited it is the cell's text).
  document.addEventListener("paste", (event) => {
    const el = event.target;
    if (!(el instanceof Element) || !el.closest("#names-table") || !event.clipboardData) return;
    const text = event.clipboardData.getData("text/plain").trim();
    if (!/[\r\n]/.test(text) && (el.matches(TYPING) || !/[\t,]/.test(text))) return;
    const box = document.querySelector("#paste-rows textarea");
    const add = document.querySelector("#paste-add");
    if (!box || !add) return;
    event.preventDefault();
    event.stopPropagation();
    box.value = text;
    box.dispatchEvent(new Event("input", {bubbles: true}));
    setTimeout(() => add.click(), 0);  // once the box's new value is the one the button sends
  }, true);
  document.addEventListener("keyup", (event) => {  // a button presses on Space's keyup: not in the step row
    if (event.key === " " && event.target instanceof Element && event.target.closest("#step-controls")) {
      event.preventDefault();
    }
  });
}
