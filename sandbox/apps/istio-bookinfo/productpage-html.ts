// The HTML of Istio's productpage (samples/bookinfo/src/productpage/templates/productpage.html), with the structure
// a learner and the tutorials look at: `<title>Simple Bookstore App</title>`, the "BookInfo Sample" bar with Sign in /
// the signed-in user, the book's title and description, the Book Details table, and Book Reviews whose stars are
// `glyphicon glyphicon-star` SVGs coloured `text-<color>-500` (none for reviews v1, black for v2, red for v3) and
// "Reviews served by: <pod>". Tailwind and the images are not served; the classes are kept so the page reads the same.

export interface ProductPageView {
  product: { title: string; descriptionHtml: string };
  user: string | null;
  details: Record<string, unknown>;
  reviews: Record<string, unknown>;
}

interface ReviewView {
  reviewer: string;
  text: string;
  rating?: { stars?: number; color?: string; error?: string };
}

const escape = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const FULL_STAR =
  '<svg id="glyphicon glyphicon-star" class="h-5 w-5 flex-none" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true"><path fill-rule="evenodd" d="M10.868 2.884c-.321-.772-1.415-.772-1.736 0l-1.83 4.401-4.753.381c-.833.067-1.171 1.107-.536 1.651l3.62 3.102-1.106 4.637c-.194.813.691 1.456 1.405 1.02L10 15.591l4.069 2.485c.713.436 1.598-.207 1.404-1.02l-1.106-4.637 3.62-3.102c.635-.544.297-1.584-.536-1.65l-4.752-.382-1.831-4.401z" clip-rule="evenodd" /></svg>';
const EMPTY_STAR =
  '<svg xmlns="http://www.w3.org/2000/svg" fill="none" viewBox="0 0 24 24" stroke-width="1.5" stroke="currentColor" class="h-5 w-5 flex-none"><path stroke-linecap="round" stroke-linejoin="round" d="M11.48 3.499a.562.562 0 0 1 1.04 0l2.125 5.111a.563.563 0 0 0 .475.345l5.518.442c.499.04.701.663.321.988l-4.204 3.602a.563.563 0 0 0-.182.557l1.285 5.385a.562.562 0 0 1-.84.61l-4.725-2.885a.562.562 0 0 0-.586 0L6.982 20.54a.562.562 0 0 1-.84-.61l1.285-5.386a.562.562 0 0 0-.182-.557l-4.204-3.602a.562.562 0 0 1 .321-.988l5.518-.442a.563.563 0 0 0 .475-.345L11.48 3.5Z" /></svg>';

function stars(rating: ReviewView['rating']): string {
  if (!rating) return '';
  if (rating.error) return `<p class="text-red-500">${escape(rating.error)}</p>`;
  const n = Math.max(0, Math.min(5, Math.trunc(rating.stars ?? 0)));
  if (!n) return '';
  const color = /^[a-z]+$/.test(rating.color ?? '') ? rating.color : 'black';
  return `<div class="flex gap-x-1 text-${color}-500">\n${FULL_STAR.repeat(n)}\n${EMPTY_STAR.repeat(5 - n)}\n</div>`;
}

function detailsSection(d: Record<string, unknown>): string {
  if (d.status !== 200)
    return `<p class="text-2xl text-red-500">Error fetching product details</p>\n<p class="text-lg text-gray-600">${escape(d.error)}</p>`;
  return [
    '<h4 class="text-3xl font-semibold">Book Details</h4>',
    '<table class="min-w-full divide-y divide-gray-300">',
    '<thead><tr><th scope="col">ISBN-10</th><th scope="col">Publisher</th><th scope="col">Pages</th><th scope="col">Type</th><th scope="col">Language</th></tr></thead>',
    `<tbody class="divide-y divide-gray-200 bg-white"><tr><td>${escape(d['ISBN-10'])}</td><td>${escape(d.publisher)}</td><td>${escape(d.pages)}</td><td>${escape(d.type)}</td><td>${escape(d.language)}</td></tr></tbody>`,
    '</table>',
  ].join('\n');
}

function reviewsSection(r: Record<string, unknown>): string {
  if (r.status !== 200)
    return `<p class="text-2xl text-red-500">Error fetching product reviews</p>\n<p class="text-lg text-gray-600">${escape(r.error)}</p>`;
  const list = (r.reviews as ReviewView[] | undefined) ?? [];
  const sections = list.map((review) =>
    [
      '<section class="px-6 py-12 sm:py-8 lg:px-8">',
      '<div class="mx-auto max-w-2xl">',
      stars(review.rating),
      `<blockquote class="mt-10 text-xl font-semibold leading-8 tracking-tight text-gray-900 sm:text-2xl sm:leading-9">\n<p>"${escape(review.text)}"</p>\n</blockquote>`,
      '<div class="mt-4 flex items-center gap-x-6">',
      '<div class="text-sm leading-6">',
      `<div class="font-semibold text-gray-900">${escape(review.reviewer)}</div>`,
      `<div class="mt-0.5 text-gray-600 font-mono">Reviews served by: \n${escape(r.pod)}\n</div>`,
      '</div>',
      '</div>',
      '</div>',
      '</section>',
    ].join('\n'),
  );
  return ['<h4 class="text-3xl font-semibold">Book Reviews</h4>', '<div class="flex flex-col md:flex-row">', ...sections, '</div>'].join('\n');
}

export function renderUpstreamProductPage(v: ProductPageView): string {
  const account = v.user
    ? `<div class="ml-4"><p class="text-base font-medium text-gray-50">${escape(v.user)}</p><a href="logout" class="text-xs font-medium text-gray-400 hover:text-gray-300">Sign out</a></div>`
    : '<button type="button" id="sign-in-button" class="rounded-md bg-white/10 px-3 py-2 text-sm font-semibold text-white">Sign in</button>';
  return `<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width, initial-scale=1.0">

<title>Simple Bookstore App</title>

<nav class="bg-gray-800">
<div class="container mx-auto px-4 sm:px-6 lg:px-8">
<div class="relative flex h-16 items-center justify-between">
<a href="#" class="text-white px-3 py-2 text-lg font-medium" aria-current="page">BookInfo Sample</a>
<div class="absolute inset-y-0 right-0 flex items-center pr-2 sm:static sm:inset-auto sm:ml-6 sm:pr-0">
${account}
</div>
</div>
</div>
</nav>

<dialog id="dialog" class="w-full sm:w-2/3 lg:w-1/3 border rounded-md shadow-xl">
<h2 class="mt-5 text-center text-2xl font-bold leading-9 tracking-tight text-gray-900">Sign in to BookInfo</h2>
<form class="space-y-6" method="post" action='login' name="login_form">
<label for="username">Username</label> <input id="username" name="username" type="text" required>
<label for="passwd">Password</label> <input id="passwd" name="passwd" type="password">
<button type="submit">Sign in</button>
</form>
</dialog>

<div class="container mt-8 mx-auto px-4 sm:px-6 lg:px-8">
<h1 class="text-5xl font-bold tracking-tight text-blue-900">${escape(v.product.title)}</h1>
<div class="mt-6 max-w-4xl">
<p class="mt-6 text-xl leading-8 text-gray-600">${v.product.descriptionHtml}</p>
</div>
</div>

<div class="container mt-8 mx-auto px-4 sm:px-6 lg:px-8">
<div class="mt-4 py-10">
${detailsSection(v.details)}
</div>
</div>

<div class="bg-blue-600/5 py-12 mx-auto">
<div class="container mx-auto px-4 sm:px-6 lg:px-8">
${reviewsSection(v.reviews)}
</div>
</div>
`;
}
