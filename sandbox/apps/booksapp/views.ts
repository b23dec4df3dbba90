// The books app's pages (BuoyantIO/booksapp views/*.erb): the "Buoyant Books App" layout with its flash messages,
// the index with the Books and Authors tables and their add forms, an author's page and a book's page, and the edit forms.
import type { Author, Book } from './records.js';

const h = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const name = (a: Author) => `${a.first_name} ${a.last_name}`;

export interface Flash {
  notice?: string;
  error?: string;
}

export function layout(body: string, flash: Flash): string {
  const alerts = [
    flash.notice ? `<div class="alert alert-info" role="alert">${h(flash.notice)}</div>` : '',
    flash.error ? `<div class="alert alert-danger" role="alert">${h(flash.error)}</div>` : '',
  ].join('');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Buoyant Books App</title>
  </head>
  <body>
    <nav class="navbar navbar-inverse navbar-fixed-top">
      <div class="container-fluid"><div class="navbar-header"><a class="navbar-brand" href="/">Buoyant Books App</a></div></div>
    </nav>
    <div class="container-fluid">
      <div class="row"><div class="col-md-12">${alerts}</div></div>
      <div class="row">
${body}
      </div>
    </div>
  </body>
</html>
`;
}

function bookList(books: Book[], authorsById: Map<number, Author>): string {
  const rows = books
    .filter((b) => authorsById.has(b.author_id))
    .map((b) => {
      const a = authorsById.get(b.author_id)!;
      return `<tr><td><a href="/books/${b.id}">${h(b.title)}</a></td><td><a href="/authors/${a.id}">${h(name(a))}</a></td><td>${h(b.pages)}</td><td><a class="btn btn-link" href="/books/${b.id}/edit">Edit</a></td><td><form action="/books/${b.id}/delete" method="POST"><button type="submit" class="btn btn-link">Delete</button></form></td></tr>`;
    });
  return `<table class="table table-striped"><thead><tr><th>Title</th><th>Author</th><th>Pages</th><th></th><th></th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function authorList(authors: Author[], books: Book[]): string {
  const rows = authors.map((a) => {
    const count = books.filter((b) => b.author_id === a.id).length;
    return `<tr><td><a href="/authors/${a.id}">${h(a.last_name)}</a></td><td><a href="/authors/${a.id}">${h(a.first_name)}</a></td><td>${count}</td><td><a class="btn btn-link" href="/authors/${a.id}/edit">Edit</a></td><td><form action="/authors/${a.id}/delete" method="POST"><button type="submit" class="btn btn-link">Delete</button></form></td></tr>`;
  });
  return `<table class="table table-striped"><thead><tr><th>Last Name</th><th>First Name</th><th>Book Count</th><th></th><th></th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function bookForm(authors: Author[], authorId?: number): string {
  const author =
    authorId !== undefined
      ? `<input type="hidden" name="author_id" value="${authorId}">`
      : `<select class="form-control" name="author_id"><option value="">--select--</option>${authors.map((a) => `<option value="${a.id}">${h(a.last_name)}, ${h(a.first_name)}</option>`).join('')}</select>`;
  return `<form class="form-horizontal" action="/books" method="POST"><input type="text" class="form-control" name="title" placeholder="Title">${author}<input type="text" class="form-control" name="pages"><button type="submit" class="btn btn-default">Add Book</button></form>`;
}

const authorForm = `<form class="form-horizontal" action="/authors" method="POST"><input type="text" class="form-control" name="first_name" placeholder="First name"><input type="text" class="form-control" name="last_name" placeholder="Last name"><button type="submit" class="btn btn-default">Add Author</button></form>`;

export function indexView(books: Book[], authors: Author[]): string {
  const byId = new Map(authors.map((a) => [a.id, a]));
  return `<div class="col-md-6">
  <h2>Books (${books.length})</h2>
  ${bookList(books, byId)}
  <hr>
  <h3>Add a Book</h3>
  ${bookForm(authors)}
</div>
<div class="col-md-6">
  <h2>Authors (${authors.length})</h2>
  ${authorList(authors, books)}
  <hr>
  <h3>Add an Author</h3>
  ${authorForm}
</div>`;
}

export function authorView(author: Author, books: Book[]): string {
  const list = books.length ? `<h3>Books</h3>\n${bookList(books, new Map([[author.id, author]]))}\n<hr>` : '';
  return `<div class="col-md-6">
  <h2>${h(name(author))}</h2>
  <hr>
  ${list}
  <h3>Add a Book</h3>
  ${bookForm([], author.id)}
  <hr>
  <form action="/authors/${author.id}/delete" method="POST"><a class="btn btn-default" href="/">Home</a> <a class="btn btn-default" href="/authors/${author.id}/edit">Edit Author</a> <button type="submit" class="btn btn-default">Delete Author</button></form>
</div>`;
}

export function bookView(book: Book, author: Author): string {
  return `<div class="col-md-6">
  <h2>${h(book.title)} <small>by <a href="/authors/${author.id}">${h(name(author))}</a></small></h2>
  <ul><li>${book.pages === 1 ? '1 page' : `${h(book.pages)} pages`}</li></ul>
  <hr>
  <form action="/books/${book.id}/delete" method="POST"><a class="btn btn-default" href="/">Home</a> <a class="btn btn-default" href="/books/${book.id}/edit">Edit Book</a> <button type="submit" class="btn btn-default">Delete Book</button></form>
</div>`;
}

export function editBookView(book: Book, authors: Author[]): string {
  const options = authors.map((a) => `<option value="${a.id}"${a.id === book.author_id ? ' selected' : ''}>${h(a.last_name)}, ${h(a.first_name)}</option>`).join('');
  return `<div class="col-md-6"><h2>Editing ${h(book.title)}</h2><hr><form class="form-horizontal" action="/books/${book.id}/edit" method="POST"><input type="text" name="title" value="${h(book.title)}"><select name="author_id"><option value="">--select--</option>${options}</select><input type="text" name="pages" value="${h(book.pages)}"><button type="submit" class="btn btn-default">Update</button></form></div>`;
}

export function editAuthorView(author: Author): string {
  return `<div class="col-md-6"><h2>Editing ${h(name(author))}</h2><hr><form class="form-horizontal" action="/authors/${author.id}/edit" method="POST"><input type="text" name="first_name" value="${h(author.first_name)}"><input type="text" name="last_name" value="${h(author.last_name)}"><button type="submit" class="btn btn-default">Update</button></form></div>`;
}
