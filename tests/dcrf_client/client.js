#!/usr/bin/env node
/*
 * dcrf-client 0.3.0, as djangochannelsrestframework apps use it, against the example (tests/test_dcrf_client.py).
 *
 * Environment:
 *   URL        ws://host:port/ws/multiplex/ (streams "books", "articles", "streamed_articles"), or with
 *              MODE=direct the URL of the books consumer alone (/ws/books/): dcrf-client always wraps its
 *              messages in {"stream", "payload"}, and a consumer with one resource answers any stream.
 *   COOKIE     the Cookie header of a user who may write books (the session, as a browser sends it)
 *   PYTHON, MANAGE   how to run `manage.py shell` in ANOTHER process, to change a book under a subscription
 *
 * Prints one JSON object: {"checks": [[name, ok], ...], "frames": [[direction, text], ...]}; exit 0 when every check held.
 */
'use strict';
const { execFileSync } = require('child_process');
const WebSocket = require('ws');
const dcrf = require('dcrf-client').default;

const { URL, COOKIE, PYTHON, MANAGE } = process.env;
const MODE = process.env.MODE || 'multiplex';
const frames = [];
const checks = [];
const check = (name, ok) => checks.push([name, Boolean(ok)]);

/** `ws` with the session cookie, logging every frame (node 20 has no WebSocket of its own). */
class SessionWebSocket extends WebSocket {
  constructor(url, protocols) {
    super(url, protocols, { headers: { Cookie: COOKIE } });
    this.on('message', (data) => frames.push(['received', data.toString()]));
  }

  send(data, ...rest) {
    frames.push(['sent', String(data)]);
    return super.send(data, ...rest);
  }
}

function client(url) {
  const made = dcrf.createClient(url, {
    websocket: { WebSocket: SessionWebSocket, maxRetries: 0 },
    pkField: 'id', // the serializer's key field, as ModelSerializer(fields="__all__") renders it
  });
  const connected = new Promise((resolve) => made.transport.on('connect', resolve));
  made.initialize();
  return connected.then(() => made);
}

async function settled(promise) {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, value: error };
  }
}

function changeInAnotherProcess(code) {
  execFileSync(PYTHON, [MANAGE, 'shell', '-c', code], { stdio: ['ignore', 'ignore', 'inherit'] });
}

function waitFor(events, count, ms = 30000) {
  return new Promise((resolve) => {
    const started = Date.now();
    const poll = () => (events.length >= count || Date.now() - started > ms ? resolve(events.length >= count) : setTimeout(poll, 20));
    poll();
  });
}

async function main() {
  const books = await client(URL);
  const stream = 'books';

  const list = await books.list(stream);
  check('list resolves with the plain array of books', Array.isArray(list) && list.length === 5 && list[0].id === 1);
  const one = await books.retrieve(stream, 1);
  check('retrieve resolves with the object, integer ids and pks', one.id === 1 && one.author === 1 && Array.isArray(one.tags));
  const missing = await settled(books.retrieve(stream, 999999));
  check('a missing object rejects with the 404 payload', !missing.ok && missing.value.response_status === 404
    && JSON.stringify(missing.value.errors) === '["Not found"]');
  const created = await books.create(stream, { title: 'Made by dcrf-client', author: 1, tags: [1, 2] });
  check('create resolves with the created object', typeof created.id === 'number' && created.title === 'Made by dcrf-client'
    && JSON.stringify(created.tags) === '[1,2]');
  const refused = await settled(books.create(stream, { title: '' }));
  check('a bad create rejects with the 400 payload', !refused.ok && refused.value.response_status === 400
    && refused.value.errors[0].author[0] === 'This field is required.');
  const patched = await books.patch(stream, created.id, { pages: 42 });
  check('patch changes what is sent', patched.pages === 42 && patched.title === 'Made by dcrf-client');
  const updated = await books.update(stream, created.id, { title: 'Updated', author: 2, tags: [] });
  check('update changes the object', updated.title === 'Updated' && updated.author === 2 && updated.tags.length === 0);
  const published = await books.request(stream, { action: 'publish', pk: created.id });
  check('the custom action answers the book as retrieve renders it', published.id === created.id && published.published === true);

  const events = [];
  const subscription = books.subscribe(stream, created.id, (data, action) => events.push({ action, data }));
  check('subscribe resolves (201, data null)', (await subscription) === null);
  changeInAnotherProcess(
    `from example_project.demo.models import Book\nb = Book.objects.get(pk=${created.id})\nb.title = 'Changed elsewhere'\nb.save()`,
  );
  check('an update made by another process arrives', await waitFor(events, 1));
  check('as the object retrieve renders', events[0] && events[0].action === 'update'
    && events[0].data.id === created.id && events[0].data.title === 'Changed elsewhere');
  changeInAnotherProcess(`from example_project.demo.models import Book\nBook.objects.filter(pk=${created.id}).delete()`);
  check('a delete made by another process arrives', await waitFor(events, 2));
  check('with the pk', events[1] && events[1].action === 'delete' && events[1].data.id === created.id);
  subscription.cancel();

  const doomed = await books.create(stream, { title: 'Doomed', author: 1 });
  check('delete resolves with null (204)', (await books.delete(stream, doomed.id)) === null);
  const gone = await settled(books.retrieve(stream, doomed.id));
  check('and the object is gone', !gone.ok && gone.value.response_status === 404);

  if (MODE === 'multiplex') {
    const paged = await books.request('articles', { action: 'list', limit: 3, offset: 2 });
    check('a page of the articles stream', paged.count === 100 && paged.limit === 3 && paged.offset === 2
      && paged.results.map((a) => a.title).join() === 'Title3,Title4,Title5');
    const first = await books.request('streamed_articles', { action: 'list', limit: 50 });
    check('a streamed list resolves with its first page', first.offset === 0 && first.results.length === 50);
  }
  books.close();
}

main()
  .catch((error) => check(`no exception: ${error && (error.stack || JSON.stringify(error))}`, false))
  .finally(() => {
    process.stdout.write(JSON.stringify({ checks, frames }));
    process.exit(checks.every(([, ok]) => ok) ? 0 : 1);
  });
