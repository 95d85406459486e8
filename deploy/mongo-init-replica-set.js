// Run by the one-shot "mongo-init" service of docker-compose.yml:
//   mongosh --quiet mongodb://mongo:27017/admin /deploy/mongo-init-replica-set.js
// Idempotent: initiates replica set rs0 only when it is not initiated yet,
// then waits until a primary accepts writes. Exit code 0 means ready.

const config = { _id: "rs0", members: [{ _id: 0, host: "mongo:27017" }] };

function initiated() {
  try {
    rs.status();
    return true;
  } catch (e) {
    if (e.codeName === "NotYetInitialized" || e.code === 94) return false;
    throw e;
  }
}

if (initiated()) {
  print("mongo-init: replica set already initiated");
} else {
  try {
    rs.initiate(config);
    print("mongo-init: replica set rs0 initiated");
  } catch (e) {
    // Another run got there first.
    if (e.codeName !== "AlreadyInitialized" && e.code !== 23) throw e;
    print("mongo-init: replica set already initiated");
  }
}

for (let i = 0; i < 120; i++) {
  const hello = db.hello();
  if (hello.isWritablePrimary) {
    print("mongo-init: primary ready (" + hello.me + ")");
    quit(0);
  }
  sleep(1000);
}
print("mongo-init: no primary after 120 s");
quit(1);
