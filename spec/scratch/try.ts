import 'reflect-metadata';
import { IsEmail, IsInt, IsOptional, Length, Min } from 'class-validator';
import { Resource, Indexed, Versioned } from '../../decorators/index.js';
import { buildModels } from '../../lib/metadata/builder.js';
import { Database } from '../../lib/storage/database.js';
import { entitySchemas, synchronizeSchema } from '../../lib/storage/schema.js';

@Resource()
@Versioned({ drafts: true })
class User {
  @Indexed({ text: true }) @Length(1, 100) name!: string;
  @Indexed({ unique: true }) @IsEmail() email!: string;
  @Indexed() @IsOptional() @IsInt() @Min(0) age?: number;
  @IsOptional() @Length(0, 2000) bio?: string;
}
const { models, problems } = buildModels([User]);
console.log(problems, models[0].fields);
for (const url of [process.argv[2] ?? 'sqlite:/tmp/try.sqlite']) {
  const schemas = entitySchemas(models, (await import('../../lib/storage/database.js')).parseDatabaseUrl(url).dialect);
  const db = await Database.open(url, schemas);
  await synchronizeSchema(db, models);
  console.log('second diff:', JSON.stringify(await db.orm.schema.getUpdateSchemaSQL({ safe: true, dropTables: false })));
  await synchronizeSchema(db, models);
  console.log(await db.all('select 1 as x'));
  console.log(await db.run(`update users_meta set _version = 1 where id = ?`, ['x']));
  await db.close();
}
