// pages.js — small behaviours every page may use, loaded by base.html. Pages carry no inline script (the
// Content-Security-Policy forbids it): they mark elements with these classes and attributes instead.
//
//   <button data-bf-print>                        prints the page
//   <label class="bf-file"><input type="file">     the chosen file's name is shown in the form's .bf-file-name
function wire() {
  document.querySelectorAll('[data-bf-print]').forEach((button) => button.addEventListener('click', () => window.print()));
  document.querySelectorAll('.bf-file input[type="file"]').forEach((input) => input.addEventListener('change', () => {
    const name = input.closest('form')?.querySelector('.bf-file-name');
    if (name) name.textContent = input.files.length ? input.files[0].name : '未选择文件';
  }));
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', wire);
else wire();
