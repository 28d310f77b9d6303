// Drag a workbook onto the page, or choose it: either way the form is sent at once.
// Without JavaScript the plain file field and its button do the same.
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("upload");
  if (!form) return;
  const zone = document.getElementById("drop");
  const input = document.getElementById("workbook");
  const send = () => {
    if (!input.files.length) return;
    document.getElementById("chosen").textContent = input.files[0].name;
    zone.classList.add("busy");
    form.submit();
  };
  input.addEventListener("change", send);
  for (const type of ["dragenter", "dragover"]) {
    document.addEventListener(type, (event) => { event.preventDefault(); zone.classList.add("over"); });
  }
  document.addEventListener("dragleave", (event) => {
    if (event.relatedTarget === null) zone.classList.remove("over");
  });
  document.addEventListener("drop", (event) => {  // anywhere on the page, not only on the box
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      send();
    }
  });
});
