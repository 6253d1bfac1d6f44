import { assertEquals, assertRejects, strToU8, zipSync } from "../../tests/_deps.ts";
import { startFakeGitHub } from "../../testing/github_fake_api.ts";
import { downloadArtifact, listArtifacts } from "./artifacts.ts";
import { createGitHubClient } from "./client.ts";
import { ArtifactGoneError, GitHubResponseError, UnsafeArchiveError } from "./errors.ts";

const TOKEN = "t0ken";
const REPO = { owner: "octo", repo: "demo" };
const ZIP = zipSync({ "r/run.json": strToU8("{}") });

Deno.test("downloadArtifact() refuses what it cannot trust and gives up on what hangs", async (t) => {
  await using fake = await startFakeGitHub({
    token: TOKEN,
    artifacts: [
      { id: 1, name: "ok", zip: ZIP, digest: true },
      { id: 2, name: "replaced", zip: ZIP },
      { id: 3, name: "gone", zip: ZIP, gone: true },
      { id: 4, name: "hangs", zip: ZIP },
      { id: 5, name: "large", zip: new Uint8Array(4096) },
    ],
    wrongDigest: new Set([2]),
    blobHangs: new Set([4]),
  });
  const gh = createGitHubClient({ apiUrl: fake.apiUrl, token: TOKEN, log: () => {} });
  const byName = new Map((await listArtifacts(gh, REPO)).map((a) => [a.name, a]));
  assertEquals([...byName.keys()].sort(), ["gone", "hangs", "large", "ok", "replaced"]);

  await t.step("a good zip, through the redirect", async () => {
    assertEquals(await downloadArtifact(gh, REPO, byName.get("ok")!), ZIP);
  });
  await t.step("a zip that does not match its digest", async () => {
    await assertRejects(
      () => downloadArtifact(gh, REPO, byName.get("replaced")!),
      UnsafeArchiveError,
      "does not match the listed digest",
    );
  });
  await t.step("410 Gone", async () => {
    await assertRejects(
      () => downloadArtifact(gh, REPO, byName.get("gone")!),
      ArtifactGoneError,
      "410 Gone",
    );
  });
  await t.step("a blob host that never answers", async () => {
    await assertRejects(
      () => downloadArtifact(gh, REPO, byName.get("hangs")!, { timeoutMs: 300 }),
      GitHubResponseError,
      "no complete answer within 0.3 s",
    );
  });
  await t.step("a zip over the size limit", async () => {
    await assertRejects(
      () => downloadArtifact(gh, REPO, byName.get("large")!, { maxBytes: 1000 }),
      UnsafeArchiveError,
      "more than the limit of 1000",
    );
  });
});
