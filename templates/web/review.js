// The review of a scanned sheet, keyboard first: Enter settles the field in focus (nothing typed: the reading
// is right; a number: the right one; x: the field is empty) and moves to the next one; once every field is
// settled, focus is on the button and Enter grades the sheet. Without JavaScript the form works the same way,
// all fields at once.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("review");
  if (!form) return;
  const inputs = Array.from(form.querySelectorAll("input[type=text]"));
  const done = document.getElementById("done");
  const said = form.dataset;
  const number = /^[-+]?(\d+\.?\d*|\.\d+)$/;
  const clean = (text) => text.normalize("NFKC").replace(/\u2212/g, "-").replace(/\s+/g, "");
  const item = (input) => input.closest("li");
  const settled = (input) => item(input).classList.contains("settled");

  const settle = (input) => {
    const text = clean(input.value);
    const li = item(input);
    const empty = text === "x" || text === "X";
    if (text && !empty && !number.test(text)) {
      li.classList.add("invalid");
      li.querySelector(".problem").textContent = said.bad.replace("{text}", input.value);
      return false;
    }
    li.classList.remove("invalid");
    li.classList.add("settled", text ? "corrected" : "confirmed");
    li.querySelector(".problem").textContent = "";
    li.querySelector(".state").textContent =
      !text ? said.confirmed : empty ? said.blanked : said.corrected.replace("{value}", text);
    return true;
  };

  inputs.forEach((input, i) => {
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();  // never the whole form from a field: one field at a time
        if (!settle(input)) return;
        const next = inputs.slice(i + 1).find((x) => !settled(x)) || inputs.find((x) => !settled(x));
        (next || done).focus();
      } else if (event.key === "ArrowDown" && inputs[i + 1]) {
        event.preventDefault();
        inputs[i + 1].focus();
      } else if (event.key === "ArrowUp" && i > 0) {
        event.preventDefault();
        inputs[i - 1].focus();
      }
    });
    input.addEventListener("input", () => {
      item(input).classList.remove("settled", "confirmed", "corrected", "invalid");
      item(input).querySelector(".state").textContent = "";
    });
    input.addEventListener("focus", () => item(input).scrollIntoView({block: "nearest"}));
  });
});
